"""RadZ recipe: data, model, training, export and packaging (run as `python3 -m radz.<module>` from scripts/)."""
