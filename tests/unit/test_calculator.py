"""The calculator against values computed by hand from the factor set (diandian-2025.1)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.domain.calculator import (
    Activities,
    CalculationError,
    Diet,
    Energy,
    Meals,
    Stay,
    TravelLeg,
    calculate,
)
from app.domain.factors import factor_set
from app.domain.places import Place, great_circle_km


@pytest.fixture(scope="module")
def fs():
    return factor_set("diandian-2025.1")


def place(pid, lat, lon):
    return Place(id=pid, kind="city", name=pid, name_en=pid, iata=None, lat=lat, lon=lon, pinyin=pid,
                 country="CN", city_id=None)


# One degree of longitude on the equator: 6371.0088 km x pi / 180 = 111.19508 km -> 111.195 km.
A, B = place("a", 0.0, 0.0), place("b", 0.0, 1.0)


def kg(activities, fs):
    return calculate(activities, fs)


def test_factor_set_reads_exact_decimals(fs):
    assert fs.get("flight.economy").value == D("0.10916")
    assert fs.circuity == {"flight": D("1.0"), "rail": D("1.2"), "road": D("1.5")}
    assert "southwest" in fs.grids and "CN" not in fs.grids
    assert fs.diets == ["high_meat", "medium_meat", "low_meat", "pescatarian", "vegetarian", "vegan"]


def test_one_degree_great_circle():
    assert great_circle_km(A, B) == D("111.195")


def test_flight_entered_distance_is_used_as_entered(fs):
    result = kg(Activities(travel=(TravelLeg("flight.economy", distance_km=D(1000)),)), fs)
    assert result.total_kg == D("109.16")
    assert result.items[0].distance_basis == "entered"


def test_flight_between_places_uses_plain_great_circle(fs):
    result = kg(Activities(travel=(TravelLeg("flight.economy", origin=A, destination=B),)), fs)
    # 111.195 km x 1.0 x 0.10916
    assert result.total_kg == D("12.13804620")
    assert result.items[0].circuity == D("1.0")


def test_rail_between_places_adds_twenty_percent(fs):
    result = kg(Activities(travel=(TravelLeg("rail.hsr", origin=A, destination=B, round_trip=True),)), fs)
    # 111.195 x 1.2 = 133.434 km one way; x 2 = 266.868 passenger.km x 0.03048
    item = result.items[0]
    assert item.distance_km == D("133.4340")
    assert item.amount == D("266.8680")
    assert result.total_kg == D("8.13413664")


def test_road_between_places_adds_fifty_percent_and_divides_by_vehicle(fs):
    leg = TravelLeg("road.car_petrol", origin=A, destination=B, passengers=2)
    result = kg(Activities(travel=(leg,)), fs)
    # 111.195 x 1.5 = 166.7925 vehicle.km x 0.16272 / 2
    assert result.total_kg == D("13.5702378")
    assert result.items[0].share == 2


def test_contract_example_road_legs(fs):
    taxi = TravelLeg("road.taxi", distance_km=D(25), round_trip=True)
    car = TravelLeg("road.car_petrol", distance_km=D(300), passengers=3)
    result = kg(Activities(travel=(taxi, car)), fs)
    assert [i.kg for i in result.items] == [D("7.43050"), D("16.272")]  # 50 x 0.14861; 300 x 0.16272 / 3


def test_passengers_do_not_divide_per_passenger_modes(fs):
    result = kg(Activities(travel=(TravelLeg("road.taxi", distance_km=D(10), passengers=3),)), fs)
    assert result.total_kg == D("1.4861")


def test_stay_divides_by_guests_sharing_the_room(fs):
    assert kg(Activities(stay=Stay(nights=2)), fs).total_kg == D("107.0")
    assert kg(Activities(stay=Stay(nights=2, guests_per_room=2)), fs).total_kg == D("53.5")
    assert kg(Activities(stay=Stay(nights=3, country="HK", guests_per_room=2)), fs).total_kg == D("77.25")
    assert kg(Activities(stay=Stay(nights=0)), fs).items == ()


def test_meals(fs):
    result = kg(Activities(meals=Meals(standard=4, vegetarian=1, vegan=0)), fs)
    assert [i.factor.key for i in result.items] == ["meal.standard", "meal.vegetarian"]
    assert result.total_kg == D("7.5068") + D("1.27")


def test_life_energy_and_diet(fs):
    energy = Energy(electricity_kwh=D(1200), grid="southwest", natural_gas_m3=D(150), water_m3=D(60))
    result = kg(Activities(energy=energy, diet=Diet("medium_meat", 365)), fs)
    assert [i.kg for i in result.items] == [D("296.6400"), D("310.00800"), D("21.73080"), D("2054.95")]
    assert result.total_kg == D("2683.32880")


def test_electricity_without_grid_uses_national_average(fs):
    result = kg(Activities(energy=Energy(electricity_kwh=D(100))), fs)
    assert result.items[0].factor.key == "electricity.grid.CN"
    assert result.total_kg == D("53.0600")


def test_fractions_keep_full_precision(fs):
    result = kg(Activities(travel=(TravelLeg("road.car_petrol", distance_km=D(10), passengers=7),)), fs)
    assert result.total_kg == D("1.6272") / 7
    assert str(result.total_kg).startswith("0.23245714285714285714")


def test_metro_needs_an_entered_distance(fs):
    with pytest.raises(CalculationError) as err:
        kg(Activities(travel=(TravelLeg("rail.metro", origin=A, destination=B),)), fs)
    assert err.value.field == "travel.0.distance_km"


def test_same_place_twice_is_refused(fs):
    with pytest.raises(CalculationError) as err:
        kg(Activities(travel=(TravelLeg("rail.hsr", origin=A, destination=A),)), fs)
    assert err.value.field == "travel.0.to"


def test_unknown_country_names_the_field(fs):
    with pytest.raises(CalculationError) as err:
        kg(Activities(stay=Stay(nights=1, country="ZZ")), fs)
    assert err.value.field == "stay.country"
