"""The sources the loader reads, each declared once (ads.py, crm.py), in the order it loads them."""

from load.sources.ads import ADS
from load.sources.crm import CRM

SOURCES = (ADS, CRM)
