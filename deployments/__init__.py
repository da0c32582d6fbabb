"""Planning: organisations, areas, sites, deployments, programme, partners and staffing."""
