"""The network-capacity heatmap service: registry, importing, publishing and serving.

- `registry`: substations, transformers and circuits as assets of a DSO account
- `files`: read the seed's JSON or CSV tables (a zip, files, a folder) within size limits
- `importing`: upsert what was read into the registry, leniently or strictly
- `file_publishing`: publish an imported file's own dataset, gaps computed, with its
  conformance report
- `measurements`: measured demand per asset from the belief store, as one array
- `publishing`: compute a dataset from registry and measurements, or publish one as
  given; find published datasets
- `serving`: formats, filters, near search and the in-process answer cache

The figures themselves come from the pure engine `gridflex.engines.heatmap`.
"""

from gridflex.services.heatmap.file_publishing import publish_file
from gridflex.services.heatmap.files import ReadLimits, Upload, read_path, read_uploads
from gridflex.services.heatmap.importing import ImportReport, import_dataset
from gridflex.services.heatmap.publishing import (
    Published,
    PublishRequest,
    conformance_of,
    dataset_by_identifier,
    dataset_valid_at,
    list_datasets,
    parse_moment,
    publish_from_registry,
)
from gridflex.services.heatmap.registry import dso_account, publishing_account
from gridflex.services.heatmap.serving import (
    MEDIA_TYPES,
    Answer,
    NotAcceptableError,
    Selection,
    answer,
    negotiate,
    selection,
)

__all__ = [
    "MEDIA_TYPES",
    "Answer",
    "ImportReport",
    "NotAcceptableError",
    "PublishRequest",
    "Published",
    "ReadLimits",
    "Selection",
    "Upload",
    "answer",
    "conformance_of",
    "dataset_by_identifier",
    "dataset_valid_at",
    "dso_account",
    "import_dataset",
    "list_datasets",
    "negotiate",
    "parse_moment",
    "publish_file",
    "publish_from_registry",
    "publishing_account",
    "read_path",
    "read_uploads",
    "selection",
]
