"""Error messages in the request's language: a catalog keyed by the stable code.

English is the message written where the rule is (the most precise one); Spanish and
French come from here, with the numbers the error carries (`minimum`, `maximum`, `inUse`,
`available`, the seconds to wait, what blocks an archive). Codes never change with the
language: clients switch on them, people read the message.

An entry is one template, or a pair: the template with its numbers, and the sentence to use
when the error does not carry them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from models.user import Locale
from services.errors import AccessError, ArchiveBlocker, BadInputError, DomainError, ErrorCode

Entry = str | tuple[str, str]

# Top-level codes (extensions.code) that are not ErrorCodes.
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
ACCESS_CHANGED = "ACCESS_CHANGED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
TOP_LEVEL = (UNAUTHENTICATED, FORBIDDEN, ACCESS_CHANGED, INTERNAL_SERVER_ERROR)

_ES: dict[str, Entry] = {
    ErrorCode.NOT_FOUND: "No existe, o no está a su alcance",
    ErrorCode.INVALID_ID: ("{field}: no es un identificador válido", "Identificador no válido"),
    ErrorCode.INVALID_VALUE: ("{field}: valor no válido", "Valor no válido"),
    ErrorCode.INVALID_CHARACTER: (
        "{field}: el texto contiene un carácter no admitido",
        "El texto contiene un carácter no admitido",
    ),
    ErrorCode.REQUIRED: ("{field}: falta un valor", "Falta un valor obligatorio"),
    ErrorCode.TOO_LONG: (
        "Como máximo {maximum} caracteres",
        "El texto es demasiado largo",
    ),
    ErrorCode.OUT_OF_RANGE: ("Como máximo {maximum}", "El número es demasiado grande"),
    ErrorCode.INVALID_COUNTRY_CODE: "No es un código de país ISO 3166-1 de dos letras",
    ErrorCode.COMPANY_ARCHIVED: "La empresa está archivada",
    ErrorCode.ARCHIVE_BLOCKED: (
        "La empresa no está vacía: {blockers}",
        "La empresa no está vacía",
    ),
    ErrorCode.INVALID_CREDENTIALS: "Correo electrónico o contraseña incorrectos",
    ErrorCode.INVALID_TOKEN: "El enlace o el token no es válido o ha caducado",
    ErrorCode.INVALID_CURSOR: "Cursor no válido para esta lista",
    ErrorCode.PAGE_SIZE_EXCEEDED: (
        "Como máximo {maximum} elementos por página",
        "Página demasiado grande",
    ),
    ErrorCode.PAGE_SIZE_NEGATIVE: "El tamaño de página no puede ser negativo",
    ErrorCode.FIRST_AND_LAST: "Indique `first` o `last`, no ambos",
    ErrorCode.INVALID_EMAIL: "No es una dirección de correo electrónico válida",
    ErrorCode.EMAIL_TAKEN: "Esta dirección de correo ya pertenece a un usuario",
    ErrorCode.INVITATION_PENDING: (
        "Esta dirección ya tiene una invitación pendiente: reenvíela o revóquela"
    ),
    ErrorCode.INVITATION_CLOSED: "La invitación ya fue aceptada, revocada o ha caducado",
    ErrorCode.ROLE_TOO_HIGH: "No puede conceder un rol superior al suyo",
    ErrorCode.CANNOT_ACT_ON_SELF: "No puede hacer esto con su propia cuenta",
    ErrorCode.LAST_SUPERADMIN: "La plataforma necesita al menos un SUPERADMIN activo",
    ErrorCode.PASSWORD_TOO_SHORT: (
        "La contraseña debe tener al menos {minimum} caracteres",
        "La contraseña es demasiado corta",
    ),
    ErrorCode.PASSWORD_TOO_COMMON: (
        "Esta contraseña es demasiado común o fácil de adivinar; unas cuantas palabras al azar"
        " forman una buena"
    ),
    ErrorCode.WRONG_PASSWORD: "La contraseña actual no es correcta",
    ErrorCode.LOGIN_THROTTLED: (
        "Demasiados intentos fallidos: vuelva a intentarlo dentro de {retry_after} segundos",
        "Demasiados intentos fallidos: espere un momento",
    ),
    ErrorCode.APPLICATION_PENDING: "La cuenta ya tiene una solicitud en revisión",
    ErrorCode.APPLICATION_DECIDED: "La solicitud ya fue aprobada, rechazada o cancelada",
    ErrorCode.ACCOUNT_CLOSED: "Solo se puede modificar una cuenta aprobada",
    ErrorCode.ACCOUNT_EXPIRED: "El periodo de la cuenta ha terminado: renuévela primero",
    ErrorCode.QUOTA_EXCEEDED: (
        "La cuenta no tiene suficientes puntos de datos: quedan {available}",
        "La cuenta no tiene suficientes puntos de datos",
    ),
    ErrorCode.INSUFFICIENT_CREDITS: (
        "Créditos insuficientes: hay {available}",
        "Créditos insuficientes",
    ),
    ErrorCode.NOT_PARENT_AND_CHILD: (
        "Los créditos solo se mueven entre una empresa y una de sus hijas"
    ),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: "Esta clave de idempotencia ya se usó con otros valores",
    ErrorCode.SERIAL_REGISTERED: "Ya hay un dispositivo registrado con este número de serie",
    ErrorCode.DEVICE_UNREGISTERED: "El dispositivo está dado de baja: ya no se puede modificar",
    ErrorCode.INVALID_DATE_RANGE: "`since` es posterior a `until`",
    ErrorCode.CURSOR_EXPIRED: (
        "Ese punto de reanudación ya no se conserva: vuelva a cargar los datos y suscríbase sin él"
    ),
    ErrorCode.TOO_MANY_SUBSCRIPTIONS: (
        "Como máximo {maximum} suscripciones por conexión",
        "Demasiadas suscripciones en esta conexión",
    ),
    ErrorCode.BELOW_MINIMUM: ("Como mínimo {minimum}", "El número es demasiado pequeño"),
    ErrorCode.INVALID_FORMAT: "El formato no es válido",
    ErrorCode.INVALID_EMAIL_DOMAIN: "No es un nombre de dominio válido",
    ErrorCode.DATAPOINTS_BELOW_MINIMUM: (
        "Una cuenta necesita al menos {minimum} puntos de datos",
        "Demasiados pocos puntos de datos",
    ),
    ErrorCode.DATAPOINTS_IN_USE: (
        "Los dispositivos de la cuenta usan {in_use} puntos de datos: necesita al menos {minimum}",
        "Menos puntos de datos de los que usan los dispositivos de la cuenta",
    ),
    ErrorCode.METERS_BELOW_MINIMUM: (
        "Una licencia por contadores necesita al menos {minimum} contador",
        "Una licencia por contadores necesita al menos un contador",
    ),
    ErrorCode.NOT_BILLED_BY_METERS: (
        "Contadores, POD y contadores en tiempo real no van con una licencia por puntos de datos"
    ),
    ErrorCode.NOT_BILLED_BY_DATAPOINTS: (
        "Los puntos de datos no van con una licencia por contadores"
    ),
    ErrorCode.RTC_ONLY_IN_SPAIN: "Las líneas RTC solo están disponibles para empresas en España",
    ErrorCode.CARD_TYPE_REQUIRED: "El pago con tarjeta necesita el tipo de tarjeta",
    ErrorCode.CARD_TYPE_NOT_APPLICABLE: "El tipo de tarjeta solo se indica al pagar con tarjeta",
    ErrorCode.EXTENSION_EMPTY: "Pida al menos una cantidad",
    ErrorCode.LICENSE_UNCHANGED: "La cuenta ya tiene esta licencia",
    ErrorCode.BILLING_UNIT_CHANGE: (
        "Pasar de facturación por puntos de datos a por contadores (o al revés) requiere una"
        " cuenta nueva"
    ),
    ErrorCode.SAME_ACCOUNT: "Elija otra cuenta",
    ErrorCode.LICENSE_CODE_TAKEN: "Ya existe una licencia con este código",
    UNAUTHENTICATED: "Se requiere autenticación",
    FORBIDDEN: "Su rol no permite esta acción",
    ACCESS_CHANGED: "Su acceso ha cambiado: vuelva a suscribirse",
    INTERNAL_SERVER_ERROR: "Error interno del servidor",
}

_FR: dict[str, Entry] = {
    ErrorCode.NOT_FOUND: "Introuvable, ou hors de votre périmètre",
    ErrorCode.INVALID_ID: ("{field} : identifiant non valide", "Identifiant non valide"),
    ErrorCode.INVALID_VALUE: ("{field} : valeur non valide", "Valeur non valide"),
    ErrorCode.INVALID_CHARACTER: (
        "{field} : le texte contient un caractère non admis",
        "Le texte contient un caractère non admis",
    ),
    ErrorCode.REQUIRED: ("{field} : une valeur est requise", "Une valeur est requise"),
    ErrorCode.TOO_LONG: ("{maximum} caractères au maximum", "Le texte est trop long"),
    ErrorCode.OUT_OF_RANGE: ("{maximum} au maximum", "Le nombre est trop grand"),
    ErrorCode.INVALID_COUNTRY_CODE: "Ce n'est pas un code pays ISO 3166-1 à deux lettres",
    ErrorCode.COMPANY_ARCHIVED: "La société est archivée",
    ErrorCode.ARCHIVE_BLOCKED: (
        "La société n'est pas vide : {blockers}",
        "La société n'est pas vide",
    ),
    ErrorCode.INVALID_CREDENTIALS: "Adresse e-mail ou mot de passe incorrect",
    ErrorCode.INVALID_TOKEN: "Le lien ou le jeton n'est pas valide ou a expiré",
    ErrorCode.INVALID_CURSOR: "Curseur non valide pour cette liste",
    ErrorCode.PAGE_SIZE_EXCEEDED: (
        "{maximum} éléments par page au maximum",
        "Page trop grande",
    ),
    ErrorCode.PAGE_SIZE_NEGATIVE: "La taille de page ne peut pas être négative",
    ErrorCode.FIRST_AND_LAST: "Indiquez `first` ou `last`, pas les deux",
    ErrorCode.INVALID_EMAIL: "Ce n'est pas une adresse e-mail valide",
    ErrorCode.EMAIL_TAKEN: "Cette adresse e-mail appartient déjà à un utilisateur",
    ErrorCode.INVITATION_PENDING: (
        "Cette adresse a déjà une invitation en attente : renvoyez-la ou révoquez-la"
    ),
    ErrorCode.INVITATION_CLOSED: "L'invitation a déjà été acceptée, révoquée ou a expiré",
    ErrorCode.ROLE_TOO_HIGH: "Vous ne pouvez pas attribuer un rôle supérieur au vôtre",
    ErrorCode.CANNOT_ACT_ON_SELF: "Vous ne pouvez pas faire cela sur votre propre compte",
    ErrorCode.LAST_SUPERADMIN: "La plateforme a besoin d'au moins un SUPERADMIN actif",
    ErrorCode.PASSWORD_TOO_SHORT: (
        "Le mot de passe doit comporter au moins {minimum} caractères",
        "Le mot de passe est trop court",
    ),
    ErrorCode.PASSWORD_TOO_COMMON: (
        "Ce mot de passe est trop courant ou trop facile à deviner ; quelques mots pris au"
        " hasard en font un bon"
    ),
    ErrorCode.WRONG_PASSWORD: "Le mot de passe actuel est incorrect",
    ErrorCode.LOGIN_THROTTLED: (
        "Trop de tentatives de connexion échouées : réessayez dans {retry_after} secondes",
        "Trop de tentatives de connexion échouées : patientez un instant",
    ),
    ErrorCode.APPLICATION_PENDING: "Le compte a déjà une demande en cours d'examen",
    ErrorCode.APPLICATION_DECIDED: "La demande a déjà été approuvée, refusée ou annulée",
    ErrorCode.ACCOUNT_CLOSED: "Seul un compte approuvé peut être modifié",
    ErrorCode.ACCOUNT_EXPIRED: "La période du compte est terminée : renouvelez-le d'abord",
    ErrorCode.QUOTA_EXCEEDED: (
        "Le compte n'a pas assez de points de données : il en reste {available}",
        "Le compte n'a pas assez de points de données",
    ),
    ErrorCode.INSUFFICIENT_CREDITS: (
        "Crédits insuffisants : {available} disponibles",
        "Crédits insuffisants",
    ),
    ErrorCode.NOT_PARENT_AND_CHILD: (
        "Les crédits ne circulent qu'entre une société et l'une de ses filiales"
    ),
    ErrorCode.IDEMPOTENCY_KEY_REUSED: (
        "Cette clé d'idempotence a déjà servi avec d'autres valeurs"
    ),
    ErrorCode.SERIAL_REGISTERED: "Un appareil avec ce numéro de série est déjà enregistré",
    ErrorCode.DEVICE_UNREGISTERED: "L'appareil est désenregistré : il ne peut plus être modifié",
    ErrorCode.INVALID_DATE_RANGE: "`since` est postérieur à `until`",
    ErrorCode.CURSOR_EXPIRED: (
        "Ce point de reprise n'est plus conservé : rechargez les données puis abonnez-vous sans lui"
    ),
    ErrorCode.TOO_MANY_SUBSCRIPTIONS: (
        "{maximum} abonnements par connexion au maximum",
        "Trop d'abonnements sur cette connexion",
    ),
    ErrorCode.BELOW_MINIMUM: ("{minimum} au minimum", "Le nombre est trop petit"),
    ErrorCode.INVALID_FORMAT: "Le format n'est pas valide",
    ErrorCode.INVALID_EMAIL_DOMAIN: "Ce n'est pas un nom de domaine valide",
    ErrorCode.DATAPOINTS_BELOW_MINIMUM: (
        "Un compte a besoin d'au moins {minimum} points de données",
        "Trop peu de points de données",
    ),
    ErrorCode.DATAPOINTS_IN_USE: (
        "Les appareils du compte utilisent {in_use} points de données : il en faut au moins"
        " {minimum}",
        "Moins de points de données que n'en utilisent les appareils du compte",
    ),
    ErrorCode.METERS_BELOW_MINIMUM: (
        "Une licence au compteur a besoin d'au moins {minimum} compteur",
        "Une licence au compteur a besoin d'au moins un compteur",
    ),
    ErrorCode.NOT_BILLED_BY_METERS: (
        "Compteurs, PODs et compteurs en temps réel ne vont pas avec une licence aux points"
        " de données"
    ),
    ErrorCode.NOT_BILLED_BY_DATAPOINTS: (
        "Les points de données ne vont pas avec une licence au compteur"
    ),
    ErrorCode.RTC_ONLY_IN_SPAIN: (
        "Les lignes RTC ne sont proposées qu'aux sociétés établies en Espagne"
    ),
    ErrorCode.CARD_TYPE_REQUIRED: "Le paiement par carte demande le type de carte",
    ErrorCode.CARD_TYPE_NOT_APPLICABLE: (
        "Le type de carte ne s'indique que pour un paiement par carte"
    ),
    ErrorCode.EXTENSION_EMPTY: "Demandez au moins une quantité",
    ErrorCode.LICENSE_UNCHANGED: "Le compte a déjà cette licence",
    ErrorCode.BILLING_UNIT_CHANGE: (
        "Passer d'une facturation aux points de données à une facturation au compteur (ou"
        " l'inverse) demande un nouveau compte"
    ),
    ErrorCode.SAME_ACCOUNT: "Choisissez un autre compte",
    ErrorCode.LICENSE_CODE_TAKEN: "Une licence avec ce code existe déjà",
    UNAUTHENTICATED: "Authentification requise",
    FORBIDDEN: "Votre rôle ne permet pas cette action",
    ACCESS_CHANGED: "Votre accès a changé : abonnez-vous de nouveau",
    INTERNAL_SERVER_ERROR: "Erreur interne du serveur",
}

CATALOG: Mapping[Locale, Mapping[str, Entry]] = {Locale.ES: _ES, Locale.FR: _FR}

_BLOCKERS: Mapping[Locale, Mapping[ArchiveBlocker, str]] = {
    Locale.ES: {
        ArchiveBlocker.ACTIVE_USERS: "usuarios activos",
        ArchiveBlocker.CHILDREN: "empresas hijas sin archivar",
        ArchiveBlocker.DEVICES: "dispositivos registrados",
        ArchiveBlocker.CREDITS: "créditos",
    },
    Locale.FR: {
        ArchiveBlocker.ACTIVE_USERS: "des utilisateurs actifs",
        ArchiveBlocker.CHILDREN: "des filiales non archivées",
        ArchiveBlocker.DEVICES: "des appareils enregistrés",
        ArchiveBlocker.CREDITS: "des crédits",
    },
}


def render(
    code: str,
    locale: Locale,
    *,
    english: str,
    field: str | None = None,
    numbers: Mapping[str, int | None] | None = None,
    blockers: Iterable[ArchiveBlocker] = (),
) -> str:
    """The message of `code` in `locale`; `english` is the service's own for English."""
    entry = CATALOG.get(locale, {}).get(code)
    if entry is None:
        return english
    template, plain = entry if isinstance(entry, tuple) else (entry, entry)
    values: dict[str, Any] = {k: v for k, v in (numbers or {}).items() if v is not None}
    if field is not None:
        values["field"] = field
    listed = [_BLOCKERS[locale][blocker] for blocker in blockers]
    if listed:
        values["blockers"] = ", ".join(listed)
    try:
        return template.format_map(values)
    except KeyError:  # a number this error does not carry: the sentence without it
        return plain


def domain_message(exc: DomainError, locale: Locale) -> str:
    """A typed error's (or a top-level domain error's) message in `locale`."""
    retry_after = getattr(exc, "retry_after", None)
    return render(
        exc.code.value,
        locale,
        english=exc.message,
        field=exc.field,
        numbers={
            "minimum": exc.minimum,
            "maximum": exc.maximum,
            "in_use": exc.in_use,
            "available": exc.available,
            "retry_after": retry_after if isinstance(retry_after, int) else None,
        },
        blockers=getattr(exc, "blockers", ()),
    )


def access_message(exc: AccessError, locale: Locale) -> str:
    """A top-level error's message: BAD_USER_INPUT by its reason, the others by their code."""
    if isinstance(exc, BadInputError):
        if exc.reason is None:
            return render(ErrorCode.INVALID_VALUE.value, locale, english=exc.message)
        numbers = {k: v for k, v in exc.details.items() if isinstance(v, int)}
        return render(
            exc.reason.value, locale, english=exc.message, field=exc.field, numbers=numbers
        )
    return render(exc.extension_code, locale, english=exc.message)
