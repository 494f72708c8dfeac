"""ssd-gateway: lawful, provable exchange of stafetlog, samtykke and underretning records."""

__version__ = "0.1.0"
