"""Drafting facts from news articles: read the file, extract candidate facts with their quotes,
store them as draft records for a curator to review."""
