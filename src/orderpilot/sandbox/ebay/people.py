"""Made-up but plausible buyers, addresses and products for the simulators' order generators
(shared by the eBay and the Gambio simulator)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

FIRST_NAMES = ("Anna", "Lukas", "Sophie", "Jonas", "Marie", "Felix", "Laura", "Paul", "Lea", "Tim", "Hannah",
               "Max", "Julia", "Leon", "Sarah", "Finn", "Emma", "Noah", "Mia", "Elias")  # fmt: skip
LAST_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
              "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun")  # fmt: skip
PLACES = (
    ("DE", "10115", "Berlin", "Invalidenstraße"), ("DE", "20095", "Hamburg", "Mönckebergstraße"),
    ("DE", "80331", "München", "Sendlinger Straße"), ("DE", "50667", "Köln", "Hohe Straße"),
    ("DE", "60311", "Frankfurt am Main", "Zeil"), ("DE", "70173", "Stuttgart", "Königstraße"),
    ("DE", "94032", "Passau", "Ludwigstraße"), ("DE", "01067", "Dresden", "Prager Straße"),
    ("AT", "1010", "Wien", "Kärntner Straße"), ("AT", "5020", "Salzburg", "Getreidegasse"),
)  # fmt: skip
NOTES = ("Bitte beim Nachbarn abgeben.", "Bitte ohne Rechnung im Paket, es ist ein Geschenk.",
         "Kann die Lieferung bis Freitag da sein?")  # fmt: skip


@dataclass(frozen=True)
class Product:
    sku: str
    title: str
    price: Decimal


PRODUCTS = (
    Product("MUG-01", "Kaffeebecher Steingut 350 ml", Decimal("12.90")),
    Product("LAMP-02", "Stehlampe Messing", Decimal("149.00")),
    Product("TEA-03", "Teedose Edelstahl", Decimal("8.50")),
    Product("PLATE-04", "Frühstücksteller 4er-Set", Decimal("24.95")),
    Product("VASE-05", "Glasvase mundgeblasen", Decimal("39.00")),
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    house_number: str
    postal_code: str
    city: str
    country: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def person(rng: random.Random) -> Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    country, postal_code, city, street = rng.choice(PLACES)
    local = f"{first}.{last}".lower().replace("ü", "ue").replace("ö", "oe").replace("ä", "ae")
    return Person(
        first_name=first,
        last_name=last,
        email=f"{local}{rng.randrange(100)}@example.com",
        phone=f"+49 {rng.randrange(150, 180)} {rng.randrange(10**6, 10**7)}",
        street=street,
        house_number=str(rng.randrange(1, 120)),
        postal_code=postal_code,
        city=city,
        country=country,
    )


def basket(rng: random.Random) -> list[tuple[Product, int]]:
    chosen = rng.sample(PRODUCTS, k=rng.choice((1, 1, 1, 2, 3)))
    return [(product, rng.choice((1, 1, 2, 3))) for product in chosen]
