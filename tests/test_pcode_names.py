"""A p-code whose name in the file disagrees with the gazetteer's name for it: a warning naming both
(issue 16). Spellings and transliterations of the same name (Idlib/Idleb, Hama/Hamah, Rif
Dimashq/Rural Damascus) are not disagreements; SY0501 (Hama district) written "Aleppo" is."""

from __future__ import annotations

from loaders.ingest import ingest_file

MISMATCH = ("the file names SY0501 'Aleppo', the gazetteer calls it 'Hama'; the row is placed by its p-code. "
            "Correct the name or the p-code, whichever is wrong")


def test_names_of_a_pcode_that_fit_and_one_that_does_not(seeded_gazetteer):
    def fits(pcode, name):
        return seeded_gazetteer.name_fits(seeded_gazetteer.by_key(pcode).place_id, name)

    assert fits("SY07", "Idlib") and fits("SY07", "Idleb") and fits("SY07", "Idleb Governorate")
    assert fits("SY05", "Hama") and fits("SY05", "Hamah") and fits("SY05", "حماة")
    assert fits("SY03", "Rif Dimashq") and fits("SY09", "Dayr az Zawr")
    assert not fits("SY0501", "Aleppo") and not fits("SY07", "Homs")


def _mismatches(result) -> list[list]:
    return [issue for issue in result.report.flatten(("row", "field", "code", "severity", "value", "message"))
            if issue[2] == "pcode-name-mismatch"]


def test_an_hxl_row_naming_a_pcode_otherwise_is_warned_and_placed_by_the_pcode(prepared_engine):
    sheet = ("District,District p-code,Date,IDPs\n#adm2+name,#adm2+code,#date+reported,#affected+idps\n"
             "Hamah,SY0501,2024-12-08,100\nAleppo,SY0501,2024-12-09,200\nIdlib,SY0700,2024-12-08,300\n")
    result = ingest_file(prepared_engine, "districts.csv", data=sheet.encode())
    assert result.batch.rows_loaded == 3
    assert _mismatches(result) == [[4, "#adm2+name", "pcode-name-mismatch", "warning", "Aleppo", MISMATCH]]


HAPI_HEADER = ("location_code,has_hrp,in_gho,provider_admin1_name,provider_admin2_name,admin1_code,admin1_name,"
               "admin2_code,admin2_name,admin_level,operation,assessment_type,population,reporting_round,"
               "reference_period_start,reference_period_end,dataset_hdx_id,resource_hdx_id,warning,error\n")


def _hapi_row(admin1_name: str, admin2_name: str, admin2_code: str, population: int) -> str:
    return (f"SYR,Y,Y,{admin1_name},{admin2_name},{admin2_code[:4]},{admin1_name},{admin2_code},{admin2_name},2,"
            f"Syria,BA,{population},1,2024-11-01,2024-11-30,ds,res,,\n")


def test_a_hapi_row_naming_a_pcode_otherwise_is_warned(prepared_engine):
    rows = _hapi_row("Hamah", "As Suqaylabiyah", "SY0502", 100) + _hapi_row("Hama", "Aleppo", "SY0501", 200) \
        + _hapi_row("Idlib", "Idlib", "SY0700", 300)
    result = ingest_file(prepared_engine, "hapi_idps_syria.csv", data=(HAPI_HEADER + rows).encode())
    assert result.kind == "hapi_idps" and result.batch.rows_loaded == 3
    assert _mismatches(result) == [[3, "provider_admin2_name", "pcode-name-mismatch", "warning", "Aleppo",
                                    MISMATCH]]
