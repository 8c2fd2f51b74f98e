"""Place search through the API."""


def ids(rv):
    return [p["id"] for p in rv.json["data"]]


def test_search_forms(client):
    for q in ("成都", "chengdu", "Chengdu"):
        rv = client.get("/api/v1/places", query_string={"q": q})
        assert rv.status_code == 200
        iatas = {p["iata"] for p in rv.json["data"]}
        assert {"CTU", "TFU"} <= iatas, q
        assert rv.json["data"][0]["kind"] == "city"
    first = client.get("/api/v1/places?q=CTU").json["data"][0]
    assert first["iata"] == "CTU" and first["kind"] == "airport"
    assert set(first) >= {"id", "kind", "name", "name_en", "iata", "lat", "lon"}
    assert isinstance(first["lat"], float)


def test_limit_and_validation(client):
    assert len(client.get("/api/v1/places?q=a&limit=5").json["data"]) <= 5
    assert client.get("/api/v1/places").status_code == 422
    assert client.get("/api/v1/places?q=" + "x" * 65).status_code == 422
    assert client.get("/api/v1/places?q=zzzzqqqq").json["data"] == []


def test_chengdu_huaizhou_has_its_chinese_name(client):
    """HZU was listed as "成都机场 (HZU)", a name that is none of Chengdu's airports."""
    hzu = next(p for p in client.get("/api/v1/places", query_string={"q": "HZU"}).json["data"] if p["id"] == "airport-HZU")
    assert (hzu["name"], hzu["name_en"]) == ("成都淮州机场", "Chengdu Huaizhou Airport")
    assert any(p["id"] == "airport-HZU" for p in client.get("/api/v1/places", query_string={"q": "淮州"}).json["data"])
