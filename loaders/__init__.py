"""Loaders: files of the field's data formats → canonical records → the database (via db.writes)."""
