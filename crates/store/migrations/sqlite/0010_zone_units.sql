-- A lockdown zone covers a set of units (each with its subtree) and may be narrowed to a list
-- of addresses (domain::zone holds the matching rule). The zone's single unit moves to
-- relief_zone_units; relief_zones keeps the zone's structure, period and declared figures.
-- SQLite dialect; keep in step with ../postgres/0010_zone_units.sql.

-- path_end is the exclusive upper bound of the unit's subtree (UnitPath::subtree_upper_bound):
-- a household is under the unit when unit_path <= its path < path_end. A zone's units never
-- nest (checked when the zone is declared), so joining them to households counts each once.
CREATE TABLE relief_zone_units (
    zone_id   INTEGER NOT NULL REFERENCES relief_zones (id),
    unit_no   INTEGER NOT NULL,
    structure TEXT NOT NULL,
    unit_code TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    unit_path TEXT NOT NULL,
    path_end  TEXT NOT NULL,
    PRIMARY KEY (zone_id, unit_no),
    UNIQUE (zone_id, unit_code)
);
CREATE INDEX relief_zone_units_by_scope ON relief_zone_units (structure, unit_path);

-- address as typed (whitespace collapsed); address_key as domain::zone::address_key makes it.
CREATE TABLE relief_zone_addresses (
    zone_id     INTEGER NOT NULL REFERENCES relief_zones (id),
    line_no     INTEGER NOT NULL,
    address     TEXT NOT NULL,
    address_key TEXT NOT NULL,
    PRIMARY KEY (zone_id, line_no),
    UNIQUE (zone_id, address_key)
);

INSERT INTO relief_zone_units (zone_id, unit_no, structure, unit_code, unit_name, unit_path,
                               path_end)
SELECT z.id, 1, z.structure, z.unit_code,
       COALESCE((SELECT u.name FROM units u WHERE u.structure = z.structure
                                              AND u.code = z.unit_code), z.unit_code),
       z.unit_path, substr(z.unit_path, 1, length(z.unit_path) - 1) || '0'
FROM relief_zones z;

DROP INDEX relief_zones_by_scope;
ALTER TABLE relief_zones DROP COLUMN unit_code;
ALTER TABLE relief_zones DROP COLUMN unit_path;

-- The household's address key (domain::zone::address_key), NULL without an address; written
-- with the address, and for the addresses already stored by this migration's step in
-- migrate.rs.
ALTER TABLE households ADD COLUMN address_key TEXT;
