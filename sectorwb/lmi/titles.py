"""Industry, ownership and area titles: a small built-in table plus BLS's title files."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import DataFileError

OWNERSHIP = {
    "0": "Total covered",
    "1": "Federal government",
    "2": "State government",
    "3": "Local government",
    "4": "International government",
    "5": "Private",
    "8": "Total government",
    "9": "Total U.I. covered (excludes federal government)",
}

# Industry levels (metrics.LEVELS) in the words of NAICS and BLS, as charts and the
# explorer name them, with the plural noun a count of that level takes.
LEVELS = {
    "supersector": ("Supersectors (BLS)", "supersectors"),
    "sector": ("Sectors (NAICS 2-digit)", "sectors"),
    "3": ("Subsectors (NAICS 3-digit)", "subsectors"),
    "4": ("Industry groups (NAICS 4-digit)", "industry groups"),
    "5": ("NAICS industries (5-digit)", "industries"),
    "6": ("National industries (NAICS 6-digit)", "industries"),
}
# metrics.OWNERSHIPS in words: "all" sums private employers and government.
OWNERSHIPS = {
    "private": "Private employers",
    "all": "All employers (private and government)",
}

# NAICS sectors, BLS domains and supersectors, and NAICS 3-digit subsectors (2022
# titles; codes retired in 2022 keep their 2017 titles so older files get names too).
# One "code|title" per line: this is data, kept as text so it reads like a table.
_BUILTIN = """
10|Total, all industries
101|Goods-producing
102|Service-providing
1011|Natural resources and mining
1012|Construction
1013|Manufacturing
1021|Trade, transportation, and utilities
1022|Information
1023|Financial activities
1024|Professional and business services
1025|Education and health services
1026|Leisure and hospitality
1027|Other services
1028|Public administration
1029|Unclassified
11|Agriculture, forestry, fishing and hunting
21|Mining, quarrying, and oil and gas extraction
22|Utilities
23|Construction
31-33|Manufacturing
42|Wholesale trade
44-45|Retail trade
48-49|Transportation and warehousing
51|Information
52|Finance and insurance
53|Real estate and rental and leasing
54|Professional, scientific, and technical services
55|Management of companies and enterprises
56|Administrative and support and waste management and remediation services
61|Educational services
62|Health care and social assistance
71|Arts, entertainment, and recreation
72|Accommodation and food services
81|Other services (except public administration)
92|Public administration
99|Unclassified
111|Crop production
112|Animal production and aquaculture
113|Forestry and logging
114|Fishing, hunting and trapping
115|Support activities for agriculture and forestry
211|Oil and gas extraction
212|Mining (except oil and gas)
213|Support activities for mining
221|Utilities
236|Construction of buildings
237|Heavy and civil engineering construction
238|Specialty trade contractors
311|Food manufacturing
312|Beverage and tobacco product manufacturing
313|Textile mills
314|Textile product mills
315|Apparel manufacturing
316|Leather and allied product manufacturing
321|Wood product manufacturing
322|Paper manufacturing
323|Printing and related support activities
324|Petroleum and coal products manufacturing
325|Chemical manufacturing
326|Plastics and rubber products manufacturing
327|Nonmetallic mineral product manufacturing
331|Primary metal manufacturing
332|Fabricated metal product manufacturing
333|Machinery manufacturing
334|Computer and electronic product manufacturing
335|Electrical equipment, appliance, and component manufacturing
336|Transportation equipment manufacturing
337|Furniture and related product manufacturing
339|Miscellaneous manufacturing
423|Merchant wholesalers, durable goods
424|Merchant wholesalers, nondurable goods
425|Wholesale trade agents and brokers
441|Motor vehicle and parts dealers
442|Furniture and home furnishings stores
443|Electronics and appliance stores
444|Building material and garden equipment and supplies dealers
445|Food and beverage retailers
446|Health and personal care stores
447|Gasoline stations
448|Clothing and clothing accessories stores
449|Furniture, home furnishings, electronics, and appliance retailers
451|Sporting goods, hobby, musical instrument, and book stores
452|General merchandise stores
453|Miscellaneous store retailers
454|Nonstore retailers
455|General merchandise retailers
456|Health and personal care retailers
457|Gasoline stations and fuel dealers
458|Clothing, clothing accessories, shoe, and jewelry retailers
459|Sporting goods, hobby, musical instrument, book, and miscellaneous retailers
481|Air transportation
482|Rail transportation
483|Water transportation
484|Truck transportation
485|Transit and ground passenger transportation
486|Pipeline transportation
487|Scenic and sightseeing transportation
488|Support activities for transportation
491|Postal service
492|Couriers and messengers
493|Warehousing and storage
511|Publishing industries (except internet)
512|Motion picture and sound recording industries
513|Publishing industries
515|Broadcasting (except internet)
516|Broadcasting and content providers
517|Telecommunications
518|Computing infrastructure providers, data processing, web hosting, and related services
519|Web search portals, libraries, archives, and other information services
521|Monetary authorities - central bank
522|Credit intermediation and related activities
523|Securities, commodity contracts, investments, and related activities
524|Insurance carriers and related activities
525|Funds, trusts, and other financial vehicles
531|Real estate
532|Rental and leasing services
533|Lessors of nonfinancial intangible assets (except copyrighted works)
541|Professional, scientific, and technical services
551|Management of companies and enterprises
561|Administrative and support services
562|Waste management and remediation services
611|Educational services
621|Ambulatory health care services
622|Hospitals
623|Nursing and residential care facilities
624|Social assistance
711|Performing arts, spectator sports, and related industries
712|Museums, historical sites, and similar institutions
713|Amusement, gambling, and recreation industries
721|Accommodation
722|Food services and drinking places
811|Repair and maintenance
812|Personal and laundry services
813|Religious, grantmaking, civic, professional, and similar organizations
814|Private households
921|Executive, legislative, and other general government support
922|Justice, public order, and safety activities
923|Administration of human resource programs
924|Administration of environmental quality programs
925|Administration of housing programs, urban planning, and community development
926|Administration of economic programs
927|Space research and technology
928|National security and international affairs
999|Unclassified
"""

INDUSTRIES: dict[str, str] = dict(
    line.split("|", 1) for line in _BUILTIN.strip().splitlines()
)

# BLS prefixes titles with their code: "NAICS 11 Agriculture...", "NAICS17 336111
# Automobile manufacturing" (a retired vintage), "1013 Manufacturing".
_CODE_PREFIX = re.compile(r"^(NAICS[0-9]*\s*)?[0-9][0-9-]*\s+")


def read_titles(path: str | Path, code_column: str) -> dict[str, str]:
    """Read a BLS title file (``industry_titles.csv`` or ``area_titles.csv``)."""
    path = Path(path)
    title_column = code_column.replace("_code", "").replace("_fips", "") + "_title"
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            if code_column not in header or title_column not in header:
                raise DataFileError(
                    f"{path}: expected the columns {code_column!r} and {title_column!r} "
                    f"of a BLS title file, found {header}. Pass BLS's "
                    f"{title_column.replace('_title', '')}_titles.csv."
                )
            return {
                row[code_column].strip(): _CODE_PREFIX.sub(
                    "", row[title_column]
                ).strip()
                for row in reader
                if row.get(code_column)
            }
    except OSError as exc:
        raise DataFileError(f"{path}: cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise DataFileError(
            f"{path}: is not UTF-8 text. Download the title file from BLS again."
        ) from None


def read_industry_titles(path: str | Path) -> dict[str, str]:
    """BLS ``industry_titles.csv`` as code -> title without the code prefix."""
    return read_titles(path, "industry_code")


def read_area_titles(path: str | Path) -> dict[str, str]:
    """BLS ``area_titles.csv`` as FIPS code -> title."""
    return read_titles(path, "area_fips")


def industry_title(code: str, titles: Mapping[str, str] | None = None) -> str:
    """A readable title: the given BLS titles first, then the built-in table."""
    if titles and code in titles:
        return titles[code]
    return INDUSTRIES.get(code, f"NAICS {code}")


def area_title(fips: str, titles: Mapping[str, str] | None = None) -> str:
    """The BLS title when known, else a description built from the code."""
    if titles and fips in titles:
        return titles[fips]
    if fips == "US000":
        return "U.S. total"
    if fips.endswith("000") and fips[:2].isdigit():
        return f"State {fips[:2]} (statewide)"
    if fips.startswith("C") and not fips.startswith("CS"):
        return f"MSA {fips}"
    return f"Area {fips}"


def level_title(level: str) -> str:
    """ "Sectors (NAICS 2-digit)" for "sector"; an unknown level as itself."""
    return LEVELS.get(str(level), (f"{level} level", ""))[0]


def level_noun(level: str, count: int = 2) -> str:
    """What ``count`` industries of ``level`` are called: "sectors", "subsector"."""
    plural = LEVELS.get(str(level), ("", "industries"))[1]
    if count != 1:
        return plural
    return "industry" if plural == "industries" else plural[:-1]
