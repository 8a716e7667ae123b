"""Selectors: reads that span relations or traverse the supply-chain graph."""
