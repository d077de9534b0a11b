"""Money: rate cards, invoices and credit notes, visit actuals, payment runs and remittances."""
