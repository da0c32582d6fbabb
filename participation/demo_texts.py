"""Texts of the participation demo: what residents and the team might write during a season.

Everyday Kiez topics, no names, no contact data. Each resident text names the theme (of
``deployments.demo.THEMES``) a resident would have picked, or ``None``.
"""

from __future__ import annotations

GREEN = "Grün- und Freiflächen"
TRAFFIC = "Verkehr und Mobilität"
YOUTH = "Jugend"
DIGITAL = "Digitale Verwaltung"
NEIGHBOURS = "Nachbarschaft"

IDEAS: dict[str, list[tuple[str | None, str]]] = {
    "de": [
        (GREEN, "Mehr Bänke im Schatten, damit Ältere sich unterwegs ausruhen können."),
        (GREEN, "Im Sommer gibt es kaum Schatten auf dem Platz. Bitte mehr Bäume pflanzen!"),
        (GREEN, "Die jungen Straßenbäume vertrocknen. Wer gießt die eigentlich?"),
        (GREEN, "Ein Trinkbrunnen wäre an heißen Tagen eine große Hilfe."),
        (
            GREEN,
            "Der Spielplatz ist in die Jahre gekommen – die Schaukel ist seit Wochen gesperrt.",
        ),
        (GREEN, "Mehr Mülleimer rund um den Spielplatz, am Wochenende quellen sie über."),
        (GREEN, "Hundekot auf den Grünflächen ist ein großes Problem, vor allem für Kinder."),
        (GREEN, "Ein Gemeinschaftsgarten, in dem Nachbarinnen und Nachbarn zusammen gärtnern."),
        (GREEN, "Die Baumscheiben könnten Anwohnende bepflanzen, wenn man sie lässt."),
        (GREEN, "Eine Wiese zum Liegen, auf der keine Hunde laufen dürfen."),
        (
            TRAFFIC,
            "Die Kreuzung an der Ecke braucht einen Zebrastreifen, die Autos sind zu schnell.",
        ),
        (
            TRAFFIC,
            "Bitte einen geschützten Radweg auf der Hauptstraße – mit Kind traue ich mich nicht.",
        ),
        (TRAFFIC, "Es fehlen Fahrradbügel vor dem Supermarkt, alle Räder stehen an den Bäumen."),
        (TRAFFIC, "Lieferwagen parken ständig auf dem Radweg."),
        (TRAFFIC, "Tempo 30 vor der Schule, und zwar den ganzen Tag."),
        (TRAFFIC, "Die Bushaltestelle braucht ein Dach und eine Bank."),
        (TRAFFIC, "Die Fußgängerampel ist zu kurz grün, mit dem Rollator schafft man es nicht."),
        (TRAFFIC, "Die Gehwege sind zugeparkt, mit dem Kinderwagen kommt man nicht durch."),
        (TRAFFIC, "Nachts ist die Straße eine Rennstrecke, der Lärm ist kaum auszuhalten."),
        (None, "Ein Leihrad-Standort am Platz wäre praktisch."),
        (YOUTH, "Für Jugendliche gibt es hier nichts. Ein überdachter Treffpunkt wäre gut."),
        (YOUTH, "Ein Basketballkorb oder eine Tischtennisplatte für uns Jugendliche."),
        (YOUTH, "Der Jugendclub hat nur zweimal in der Woche offen – das ist zu wenig."),
        (YOUTH, "Ein Ort, an dem man Musik machen darf, ohne dass sich jemand beschwert."),
        (YOUTH, "Kostenloses WLAN auf dem Platz, damit wir draußen Hausaufgaben machen können."),
        (NEIGHBOURS, "Die Mieten steigen so stark, dass Nachbarn wegziehen müssen."),
        (NEIGHBOURS, "Der Späti an der Ecke ist wichtig für den Kiez, bitte nicht verdrängen."),
        (NEIGHBOURS, "Abends ist es am Spielplatz zu dunkel, bessere Beleuchtung wäre wichtig."),
        (NEIGHBOURS, "Die Laternen im Durchgang zur Bahn sind seit Monaten kaputt."),
        (
            NEIGHBOURS,
            "Vor den Bars ist es nachts sehr laut, die Anwohnenden können nicht schlafen.",
        ),
        (NEIGHBOURS, "Ein Nachbarschaftsfest im Sommer, damit man sich kennenlernt."),
        (NEIGHBOURS, "Auf dem Platz fehlen öffentliche Toiletten."),
        (NEIGHBOURS, "Ein Raum für Nachbarschaftstreffen, der nichts kostet."),
        (NEIGHBOURS, "Der Müll neben den Altglascontainern wird nie abgeholt."),
        (NEIGHBOURS, "Mehr Angebote für Seniorinnen und Senioren, viele sind einsam."),
        (None, "Schön, dass ihr hier seid! Kommt bitte wieder."),
        (
            DIGITAL,
            "Termine beim Bürgeramt sind kaum zu bekommen. Der Service am Container ist super!",
        ),
        (DIGITAL, "Anträge online ausfüllen – bitte in einfacher Sprache und auch auf Türkisch."),
        (DIGITAL, "Eine Sprechstunde, in der man Hilfe bei Online-Anträgen bekommt."),
        (
            DIGITAL,
            "Offene Daten zum Verkehr im Kiez wären spannend, etwa wie viele Autos durchfahren.",
        ),
        (DIGITAL, "Schäden an Straßen per App melden und sehen, wann sie repariert werden."),
    ],
    "en": [
        (GREEN, "More trees and shade please, the square gets really hot in summer."),
        (TRAFFIC, "A safe bike lane to the S-Bahn station would make a big difference."),
        (NEIGHBOURS, "The Späti is the heart of the street, please keep it."),
        (YOUTH, "We need a place for teenagers to hang out that isn't a playground."),
        (NEIGHBOURS, "The street lights near the park are broken, it feels unsafe at night."),
    ],
    "tr": [
        (GREEN, "Parkta daha fazla bank ve gölge olsun."),
        (TRAFFIC, "Okulun önüne bir yaya geçidi çok gerekli."),
        (NEIGHBOURS, "Kiralar çok yükseldi, aileler mahalleden taşınıyor."),
        (YOUTH, "Gençler için bir buluşma yeri olmalı."),
        (NEIGHBOURS, "Çöp kutuları hep dolu, daha sık boşaltılmalı."),
    ],
    "ar": [
        (GREEN, "نحتاج إلى المزيد من الأشجار والظل في الساحة."),
        (YOUTH, "مكان آمن للأطفال للعب بعد المدرسة."),
        (NEIGHBOURS, "الإضاءة في الشارع ضعيفة جداً في الليل."),
        (TRAFFIC, "الرجاء إضافة ممر مشاة قرب المدرسة."),
    ],
    "uk": [
        (GREEN, "Хотілося б більше лавок і тіні на площі."),
        (TRAFFIC, "Потрібна безпечна велодоріжка до школи."),
        (NEIGHBOURS, "Тут бракує місця, де сусіди можуть зустрічатися."),
        (DIGITAL, "Було б добре мати консультації українською мовою в районній адміністрації."),
    ],
}

# Conversation notes as the team writes them down: (theme, language, age band, relation, text).
NOTES: list[tuple[str | None, str, str, str, str]] = [
    (
        GREEN,
        "de",
        "65_plus",
        "lives_here",
        "Älterer Herr wünscht sich mehr Bänke entlang der Hauptstraße; auf dem Weg zum Arzt "
        "müsse er mehrmals pausieren.",
    ),
    (
        GREEN,
        "de",
        "27_44",
        "lives_here",
        "Mutter mit zwei Kindern: Der Spielplatz sei im Sommer ohne Schatten kaum nutzbar, ein "
        "Sonnensegel würde helfen.",
    ),
    (
        YOUTH,
        "de",
        "15_17",
        "lives_here",
        "Zwei Jugendliche erzählen, dass sie überall weggeschickt werden und sich einen eigenen "
        "Treffpunkt wünschen.",
    ),
    (
        TRAFFIC,
        "de",
        "45_54",
        "lives_here",
        "Anwohnerin berichtet von Lärm durch Lieferverkehr am frühen Morgen.",
    ),
    (
        TRAFFIC,
        "de",
        "45_54",
        "works_here",
        "Ladeninhaber: Seit dem Umbau fehlen Lieferzonen, die Transporter stehen in zweiter Reihe.",
    ),
    (
        NEIGHBOURS,
        "tr",
        "27_44",
        "lives_here",
        "Gespräch auf Türkisch, eine Nachbarin hat übersetzt: Die Mieterhöhungen belasten viele "
        "Familien im Haus.",
    ),
    (
        TRAFFIC,
        "de",
        "",
        "",
        "Radfahrer schildert eine gefährliche Stelle an der Kreuzung: Abbiegende Autos übersehen "
        "Radfahrende.",
    ),
    (
        NEIGHBOURS,
        "de",
        "65_plus",
        "lives_here",
        "Ältere Dame meidet den Platz abends, weil die Beleuchtung am Durchgang kaputt ist.",
    ),
    (
        DIGITAL,
        "de",
        "18_26",
        "visiting",
        "Student findet den Bürgeramt-Service am Container großartig und wünscht sich das öfter.",
    ),
    (
        GREEN,
        "de",
        "27_44",
        "lives_here",
        "Vater fragt, warum die Schaukel seit Wochen gesperrt ist und wer dafür zuständig ist.",
    ),
    (
        NEIGHBOURS,
        "uk",
        "27_44",
        "newcomer",
        "Neu zugezogene Familie sucht Informationen zu Kitaplätzen und wünscht sich Aushänge auf "
        "Ukrainisch.",
    ),
    (
        NEIGHBOURS,
        "de",
        "55_64",
        "lives_here",
        "Mann beklagt, dass der Müll an den Containern am Wochenende liegen bleibt.",
    ),
    (
        YOUTH,
        "de",
        "15_17",
        "lives_here",
        "Schülerin wünscht sich WLAN und Steckdosen auf dem Platz, um draußen lernen zu können.",
    ),
    (
        DIGITAL,
        "de",
        "65_plus",
        "lives_here",
        "Seniorin braucht Hilfe bei Online-Anträgen und fände eine feste Sprechstunde gut.",
    ),
    (
        NEIGHBOURS,
        "ar",
        "18_26",
        "newcomer",
        "Junger Mann, Gespräch auf Arabisch mit Hilfe der Moscheegemeinde: Er sucht einen Ort, "
        "um Deutsch mit Nachbarn zu üben.",
    ),
]

WORKSHOP_STATEMENTS = [
    "Mehr Schatten: Sonnensegel über dem Sandkasten und neue Bäume am Rand des Platzes.",
    "Samstags eine Spielstraße ausprobieren.",
    "Sitzgelegenheiten mit Lehne für Ältere an den Wegen.",
    "Ein überdachter Treffpunkt für Jugendliche, abseits der Wohnhäuser.",
    "Zebrastreifen an der Ecke zur Schule.",
    "Fahrradbügel an allen Eingängen des Platzes.",
    "Mülleimer mit Deckel, damit Krähen den Müll nicht verteilen.",
    "Den Durchgang zur Bahn heller beleuchten.",
    "Ein Trinkbrunnen an der Ostseite des Platzes.",
    "Gemeinschaftsbeete, die Nachbarinnen und Nachbarn gemeinsam pflegen.",
    "Baumpatenschaften: Anwohnende gießen im Sommer.",
    "Ein mehrsprachiges Schwarzes Brett für Angebote im Kiez.",
    "Eine regelmäßige Sprechstunde des Bezirksamts am Platz.",
    "Weniger Durchgangsverkehr durch Poller in der Nebenstraße.",
]
STORY_STATEMENTS = [
    "Früher gab es mehr kleine Läden; heute fehlen Treffpunkte, an denen man nichts kaufen muss.",
    "Der Platz war früher ein Ort für Feste – das wünschen sich viele zurück.",
    "Nachbarschaftshilfe funktioniert, aber viele Ältere wissen nicht, wo sie fragen können.",
    "Die Mieten sind das größte Thema; viele Bekannte sind schon weggezogen.",
    "Die Bäume am Platz sind älter als die meisten Häuser – sie sollen bleiben.",
]

FEEDBACK_TEXTS = [
    "Sehr informativ, gerne wieder!",
    "Zu kurz, wir hatten noch viele Fragen.",
    "Tolle Stimmung, die Kinder hatten viel Spaß.",
    "Gut erklärt, aber auf dem Platz war es laut.",
    "Schön, dass die Verwaltung vor Ort war.",
    "Termine am Abend wären gut, tagsüber arbeite ich.",
    "",
    "",
]

REFLECTIONS = [
    (
        "Die Sprechstunde mit dem Bezirksamt war voll; viele kamen gezielt deswegen.",
        "Ältere Menschen erreichen wir am Vormittag besser als am Nachmittag.",
        "Regen am Donnerstag: kaum Besuch, die Zeit für die Nachbereitung genutzt.",
    ),
    (
        "Der Container ist gut sichtbar, viele kamen im Vorbeigehen.",
        "Jugendliche kommen kaum zu den Werkstätten; die Schule früher ansprechen.",
        "Der Späti gegenüber legt unsere Handzettel aus.",
    ),
    (
        "Mehrsprachige Aushänge haben geholfen, mit Familien ins Gespräch zu kommen.",
        "Das Tablet stand in der Sonne und war schlecht lesbar – einen Schattenplatz suchen.",
        "Viele Fragen zu Mieten: auf die Mieterberatung des Bezirks hingewiesen.",
    ),
    (
        "Die Kiezwerkstatt hatte eine gute Mischung aus Alt und Jung.",
        "Mehr Zeit für den Aufbau einplanen; die Werkstatt begann zu spät.",
        "",
    ),
]

# Polls: (type, points, question, translations, options with translations).
POLLS = {
    "missing": (
        "single",
        None,
        "Was fehlt Ihnen am meisten auf dem Platz?",
        {
            "en": "What do you miss most on the square?",
            "tr": "Meydanda en çok neyin eksikliğini hissediyorsunuz?",
            "ar": "ما الذي تفتقده أكثر في الساحة؟",
            "uk": "Чого вам найбільше бракує на площі?",
        },
        [
            (
                "Schatten und Bäume",
                {
                    "en": "Shade and trees",
                    "tr": "Gölge ve ağaçlar",
                    "ar": "الظل والأشجار",
                    "uk": "Тінь і дерева",
                },
            ),
            (
                "Sitzbänke",
                {"en": "Benches", "tr": "Oturma bankları", "ar": "مقاعد للجلوس", "uk": "Лавки"},
            ),
            (
                "Spielgeräte",
                {
                    "en": "Play equipment",
                    "tr": "Oyun alanları",
                    "ar": "ألعاب للأطفال",
                    "uk": "Ігрові майданчики",
                },
            ),
            (
                "Sichere Radwege",
                {
                    "en": "Safe bike lanes",
                    "tr": "Güvenli bisiklet yolları",
                    "ar": "ممرات آمنة للدراجات",
                    "uk": "Безпечні велодоріжки",
                },
            ),
            (
                "Bessere Beleuchtung",
                {
                    "en": "Better lighting",
                    "tr": "Daha iyi aydınlatma",
                    "ar": "إضاءة أفضل",
                    "uk": "Краще освітлення",
                },
            ),
        ],
    ),
    "budget": (
        "dots",
        3,
        "Wofür soll der Bezirk hier zuerst Geld ausgeben? Verteilen Sie 3 Punkte.",
        {
            "en": "What should the district spend money on here first? Give out 3 points.",
            "tr": "Belediye burada önce neye para harcamalı? 3 puan dağıtın.",
            "ar": "على ماذا يجب أن تنفق البلدية هنا أولاً؟ وزّع 3 نقاط.",
            "uk": "На що район має витратити гроші тут насамперед? Розподіліть 3 бали.",
        },
        [
            (
                "Grünflächen",
                {
                    "en": "Green spaces",
                    "tr": "Yeşil alanlar",
                    "ar": "المساحات الخضراء",
                    "uk": "Зелені зони",
                },
            ),
            (
                "Verkehrssicherheit",
                {
                    "en": "Road safety",
                    "tr": "Trafik güvenliği",
                    "ar": "السلامة المرورية",
                    "uk": "Безпека на дорогах",
                },
            ),
            (
                "Treffpunkt für Jugendliche",
                {
                    "en": "A place for young people",
                    "tr": "Gençler için buluşma yeri",
                    "ar": "مكان لقاء للشباب",
                    "uk": "Місце для молоді",
                },
            ),
            (
                "Sauberkeit",
                {"en": "Cleanliness", "tr": "Temizlik", "ar": "النظافة", "uk": "Чистота"},
            ),
        ],
    ),
    "wellbeing": (
        "rating",
        None,
        "Wie wohl fühlen Sie sich in Ihrem Kiez?",
        {
            "en": "How comfortable do you feel in your neighbourhood?",
            "tr": "Mahallenizde kendinizi ne kadar iyi hissediyorsunuz?",
            "ar": "إلى أي مدى تشعر بالراحة في حيّك؟",
            "uk": "Наскільки добре ви почуваєтеся у своєму районі?",
        },
        [],
    ),
}
