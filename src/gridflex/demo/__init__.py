"""The demo world: a toy account with a site, devices, prices, weather and a year of data."""
