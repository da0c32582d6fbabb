"""Site analysis: pure computations over one deployment's data."""
