"""Make the small admin 1 file the project ships from a full OCHA COD-AB or geoBoundaries GeoJSON.

    .venv/bin/python scripts/simplify_admin1.py FULL.geojson gazetteer/data/boundaries/SYR_admin1.geojson
"""

import json
import sys

from gazetteer.boundaries import simplify_collection

if __name__ == "__main__":
    source, target = sys.argv[1:3]
    with open(source, encoding="utf-8") as handle:
        small = simplify_collection(handle.read())
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(small, handle, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(small['features'])} features written to {target}")
