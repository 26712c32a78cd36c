"""kbtool: a service-standards and script knowledge base for customer-service teams."""

__version__ = "0.1.0"
FORMAT_VERSION = 1
