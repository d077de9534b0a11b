"""Full-text search over return narratives and evidence documents' extracted text."""
