"""Story clustering: embed articles, find neighbours in a time window, assign stories."""
