"""Engines: pure computations over arrays (numpy/scipy/pandas only).

Engines know nothing of HTTP, the database, the job queue or configuration;
services load data from the store, call an engine and write the results back.
"""
