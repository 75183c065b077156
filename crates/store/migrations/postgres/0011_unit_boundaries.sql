-- Real boundaries a locality supplied for its units (a GeoJSON Polygon or MultiPolygon in
-- longitude/latitude, WGS 84). The map draws them instead of the cells it builds from the
-- official centroids. Importing a unit again replaces its boundary.
CREATE TABLE unit_boundaries (
    structure     TEXT NOT NULL,
    unit_code     TEXT NOT NULL,
    unit_path     TEXT NOT NULL,
    geometry      TEXT NOT NULL,
    source        TEXT NOT NULL,
    imported_at_s BIGINT NOT NULL,
    imported_by   TEXT NOT NULL,
    PRIMARY KEY (structure, unit_code)
);
CREATE INDEX unit_boundaries_by_path ON unit_boundaries (structure, unit_path);
