"""The example messages of seeds 001 (v1_1 endpoints) and 003 (conventions), verbatim as printed.

Kept as text: some are not strict JSON (trailing commas), and the API reads them as printed.
"""

from __future__ import annotations

# ---- seed 001
GET_CONNECTION_REQUEST = """{
    "type": "GetConnectionRequest",
}"""

GET_CONNECTION_RESPONSE = """{
    "type": "GetConnectionResponse",
    "connections": [
        "ea1.2021-01.io.flexmeasures.company:3:4",
        "ea1.2021-01.io.flexmeasures.company:8:3",
        "ea1.2021-01.io.flexmeasures.company:9:2",
        "ea1.2021-01.io.flexmeasures.company:3:1"
    ],
    "names": [
        "CS 4",
        "CS 3",
        "CS 2",
        "CS 1"
    ]
}"""

GET_METER_DATA_REQUEST = """{
    "type": "GetMeterDataRequest",
    "connection": "CS 1",
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "unit": "MW"
}"""

GET_METER_DATA_RESPONSE = """{
    "type": "GetMeterDataResponse",
    "connection": "CS 1",
    "values": [
        306.66,
        306.66,
        0,
        0,
        306.66,
        306.66
    ],
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "unit": "MW"
}"""

GET_PROGNOSIS_REQUEST = """{
    "type": "GetPrognosisRequest",
    "connection": "CS 1",
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "horizon": "PT6H",
    "resolution": "PT15M",
    "unit": "MW"
}"""

GET_PROGNOSIS_RESPONSE = """{
    "type": "GetPrognosisResponse",
    "connection": "CS 1",
    "values": [
        306.66,
        306.66,
        0,
        0,
        306.66,
        306.66
    ],
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "unit": "MW"
}"""

POST_METER_DATA_REQUEST = """{
    "type": "PostMeterDataRequest",
    "groups": [
        {
            "connections": [
                "CS 1",
                "CS 3"
            ],
            "values": [
                306.66,
                306.66,
                0,
                0,
                306.66,
                306.66
            ]
        },
        {
            "connections": [
                "CS 2"
            ],
            "values": [
                306.66,
                0,
                0,
                0,
                306.66,
                306.66
            ]
        }
    ],
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "unit": "MW"
}"""

POST_METER_DATA_RESPONSE = """{
    "type": "PostMeterDataResponse",
    "status": "PROCESSED",
    "message": "Request has been processed."
}"""

POST_PRICE_DATA_REQUEST = """{
    "type": "PostPriceDataRequest",
    "market": "ea1.2021-01.io.flexmeasures.company:epex_da",
    "values": [
        52.37,
        51.14,
        49.09,
        48.35,
        48.47,
        49.98,
        58.7,
        67.76,
        69.21,
        70.26,
        70.46,
        70,
        70.7,
        70.41,
        70,
        64.53,
        65.92,
        69.72,
        70.51,
        75.49,
        70.35,
        70.01,
        66.98,
        58.61
    ],
    "start": "2015-01-01T15:00:00+09:00",
    "duration": "PT24H",
    "horizon": "PT35H",
    "unit": "EUR/MWh"
}"""

POST_PRICE_DATA_RESPONSE = """{
    "type": "PostPriceDataResponse",
    "status": "PROCESSED",
    "message": "Request has been processed."
}"""

POST_PROGNOSIS_REQUEST = """{
    "type": "PostPrognosisRequest",
    "groups": [
        {
            "connections": [
                "CS 1",
                "CS 3"
            ],
            "values": [
                300,
                300,
                300,
                0,
                0,
                300
            ]
        },
        {
            "connections": [
                "CS 2"
            ],
            "values": [
                300,
                0,
                0,
                0,
                300,
                300
            ]
        }
    ],
    "start": "2015-01-01T00:00:00Z",
    "duration": "PT1H30M",
    "horizon": "PT7H30M",
    "unit": "MW"
}"""

POST_PROGNOSIS_RESPONSE = """{
    "type": "PostPrognosisResponse",
    "status": "PROCESSED",
    "message": "Request has been processed."
}"""

POST_WEATHER_DATA_REQUEST = """{
    "type": "PostWeatherDataRequest",
    "groups": [
        {
            "sensor": "ea1.2021-01.io.flexmeasures.company:temperature:33.4843866:126.477859",
            "values": [
                20.04,
                20.23,
                20.41,
                20.51,
                20.55,
                20.57
            ]
        }
    ],
    "start": "2015-01-01T15:00:00+09:00",
    "duration": "PT1H30M",
    "horizon": "PT3H",
    "unit": "°C"
}"""

POST_WEATHER_DATA_RESPONSE = """{
    "type": "PostWeatherDataResponse",
    "status": "PROCESSED",
    "message": "Request has been processed."
}"""

# ---- seed 003
GET_SERVICE_REQUEST = """{
    "type": "GetServiceRequest",
    "version": "1.0"
}"""

GET_SERVICE_RESPONSE = """{
    "type": "GetServiceResponse",
    "version": "1.0",
    "services": [
        {
            "name": "getMeterData",
            "access": ["Aggregator", "Supplier", "MDC", "DSO", "Prosumer", "ESCo"],
            "description": "Request meter reading"
        },
        {
            "name": "postMeterData",
            "access": ["MDC"],
            "description": "Send meter reading"
        }
    ]
}"""

AUTH_HEADER = """{
    "Authorization": "<token>"
}"""

AUTH_TOKEN_REQUEST = """{
    "email": "<user email>",
    "password": "<user password>"
}"""

SOURCES = """{
    "sources": ["MDC", "42"],
}"""

SINGULAR_PLURAL = """{
    "keyToValue": "this is a single value",
    "keyToValues": ["this is a value", "and this is a second value"]
}"""

EA1_STRUCTURE = """{
    "connection": "ea1.{date code}.{reversed domain name}:{locally unique string}"
}"""

EA1_EXAMPLE = """{
    "connection": "ea1.2021-02.io.flexmeasures.company:30:73"
}"""

SIMPLE_OWNER_ASSET = """{
    "connection": "<owner-id>:<asset-id>"
}"""

SIMPLE_ASSET = """{
    "connection": "<asset-id>"
}"""

GROUPS = """{
    "groups": [
        {
            "connections": [
                "CS 1",
                "CS 2"
            ],
            "values": [
                306.66,
                306.66,
                0,
                0,
                306.66,
                306.66
            ]
        },
        {
            "connection": "CS 3",
            "values": [
                306.66,
                0,
                0,
                0,
                306.66,
                306.66
            ]
        }
    ],
    "start": "2016-05-01T12:45:00Z",
    "duration": "PT1H30M",
    "unit": "MW"
}"""

FLATTENED = """{
    "connections": [
        "CS 1",
        "CS 2"
    ],
    "values": [
        306.66,
        306.66,
        0,
        0,
        306.66,
        306.66
    ],
    "start": "2016-05-01T12:45:00Z",
    "duration": "PT1H30M",
    "unit": "MW"
}"""

VALUES_NOTATION = """{
    "values": [
        10,
        5,
        8
    ],
    "start": "2016-05-01T13:00:00Z",
    "duration": "PT45M"
}"""

TIMESERIES_NOTATION = """{
    "timeseries": [
        {
            "value": 10,
            "start": "2016-05-01T13:00:00Z",
            "duration": "PT15M"
        },
        {
            "value": 5,
            "start": "2016-05-01T13:15:00Z",
            "duration": "PT15M"
        },
        {
            "value": 8,
            "start": "2016-05-01T13:30:00Z",
            "duration": "PT15M"
        }
    ]
}"""

BELIEF_FILTERS = """{
    "horizon": "PT6H",
    "prior": "2020-08-01T17:00:00Z"
}"""

PRIOR_EXAMPLE = """{
    "values": [
        10,
        5,
        8
    ],
    "start": "2016-05-01T13:00:00Z",
    "duration": "PT45M",
    "prior": "2016-05-01T07:45:00Z",
}"""

HORIZON_EXAMPLE = """{
    "values": [
        10,
        5,
        8
    ],
    "start": "2016-05-01T13:00:00Z",
    "duration": "PT45M",
    "horizon": "PT6H"
}"""

NEGATIVE_HORIZON_EXAMPLE = """{
    "values": [
        10,
        5,
        8
    ],
    "start": "2016-05-01T13:00:00Z",
    "duration": "PT45M",
    "horizon": "-PT10M"
}"""
