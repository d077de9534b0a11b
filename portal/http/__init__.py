"""The request pipeline shared by pages and API."""
