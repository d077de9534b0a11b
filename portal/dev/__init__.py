"""Development only: embedded services and demo data. Never imported in production."""
