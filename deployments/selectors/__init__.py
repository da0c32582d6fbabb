"""Reads of the planning side: QuerySets and plain data for views, admin and analysis."""
