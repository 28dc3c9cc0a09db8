// The UI's words in English, Spanish and French. A message is looked up by key; the server's
// typed errors are translated by their `code` (the server's English `message` is the fallback
// for a code this catalog does not know yet). The chosen language is kept in this browser
// (localStorage) for now; `preferredLocale` is the one place to read a user's stored choice
// once the API has it (User.locale), so a signed-in user gets theirs on every device.
import { createContext, useContext } from 'react';

export const LOCALES = ['en', 'es', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

const en = {
  appName: 'Fleet Admin',
  'nav.companies': 'Companies',
  'nav.profile': 'Profile',
  'nav.signOut': 'Sign out',
  'nav.language': 'Language',
  'common.save': 'Save',
  'common.cancel': 'Cancel',
  'common.loading': 'Loading…',
  'common.sending': 'Sending…',
  'common.loadMore': 'Show more',
  'common.retry': 'Try again',
  'common.failed': 'Something went wrong. Try again.',
  'common.offline': 'The server could not be reached. Try again.',
  'signIn.title': 'Sign in',
  'signIn.email': 'Email',
  'signIn.password': 'Password',
  'signIn.submit': 'Sign in',
  'signIn.forgot': 'Forgotten your password?',
  'signIn.expired': 'Your session has ended. Sign in again to continue.',
  'signIn.signedOut': 'You have signed out.',
  'signIn.throttled': 'Too many attempts. Wait {seconds} seconds and try again.',
  'accept.title': 'Accept your invitation',
  'accept.intro': 'Choose the name you go by and a password to finish creating your account.',
  'accept.name': 'Your name',
  'accept.password': 'Password',
  'accept.confirm': 'Repeat the password',
  'accept.submit': 'Create my account',
  'accept.noToken': 'This link is incomplete. Open the link from your invitation mail again.',
  'forgot.title': 'Forgotten password',
  'forgot.intro': 'Enter your email: if it has an account, we send it a link to choose a new password.',
  'forgot.email': 'Email',
  'forgot.submit': 'Send the link',
  'forgot.sent': 'If {email} has an account, a link is on its way. It works once, for a limited time.',
  'forgot.back': 'Back to sign in',
  'reset.title': 'Choose a new password',
  'reset.password': 'New password',
  'reset.confirm': 'Repeat the new password',
  'reset.submit': 'Set the password',
  'reset.done': 'Your password is set. Sign in with it.',
  'reset.noToken': 'This link is incomplete. Open the link from the mail again, or ask for a new one.',
  'profile.title': 'Profile',
  'profile.email': 'Email',
  'profile.role': 'Role',
  'profile.company': 'Company',
  'profile.name': 'Name',
  'profile.saved': 'Saved.',
  'profile.passwordTitle': 'Change password',
  'profile.currentPassword': 'Current password',
  'profile.newPassword': 'New password',
  'profile.confirm': 'Repeat the new password',
  'profile.changePassword': 'Change password',
  'profile.passwordChanged': 'Password changed. Your other sessions have ended.',
  'profile.languageTitle': 'Language',
  'profile.languageHint': 'The portal’s language on this browser.',
  'company.breadcrumb': 'Where you are',
  'company.search': 'Search companies',
  'company.searchSubmit': 'Search',
  'company.searchResults': 'Results for “{search}”',
  'company.noResults': 'No company matches.',
  'company.children': 'Companies under {name}',
  'company.noChildren': 'No company under this one yet.',
  'company.country': 'Country',
  'company.archived': 'Archived',
  'company.counts.children': 'Children',
  'company.counts.descendants': 'Below',
  'company.counts.users': 'Users',
  'company.counts.devices': 'Devices',
  'company.createChild': 'Create a company under this one',
  'company.newName': 'Name',
  'company.newCountry': 'Country code',
  'company.newCountryHint': 'Two letters, e.g. ES',
  'company.create': 'Create',
  'company.created': '{name} was created.',
  'company.rename': 'Rename',
  'company.renameTo': 'New name',
  'company.renamed': 'Renamed.',
  'company.archive': 'Archive',
  'company.archiveConfirm': 'Archive {name}? It stops being usable.',
  'company.archivedDone': '{name} was archived.',
  'company.archiveBlocked': '{name} cannot be archived yet:',
  'blocker.ACTIVE_USERS': 'it still has active users: deactivate them first',
  'blocker.CHILDREN': 'it still has companies under it: archive them first',
  'blocker.DEVICES': 'it still has registered devices: unregister them first',
  'blocker.CREDITS': 'it still holds credits: move them first',
  'role.SUPERADMIN': 'Super administrator',
  'role.ADMINISTRATOR': 'Administrator',
  'role.ADVANCED_USER': 'Advanced user',
  'role.USER': 'User',
  'notFound.title': 'Nothing here',
  'notFound.back': 'Go to your companies',
  'field.required': 'Required.',
  'field.tooLong': 'At most {maximum} characters.',
  'field.tooShort': 'At least {minimum} characters.',
  'field.email': 'Not an email address.',
  'field.country': 'Two letters (ISO 3166-1), e.g. ES.',
  'field.mismatch': 'The two passwords differ.',
  'error.REQUIRED': 'Required.',
  'error.TOO_LONG': 'Too long{maximum, : at most {maximum}}.',
  'error.OUT_OF_RANGE': 'Out of range.',
  'error.INVALID_VALUE': 'Not a valid value.',
  'error.INVALID_CHARACTER': 'Contains a character that is not allowed.',
  'error.INVALID_COUNTRY_CODE': 'Not a country code (ISO 3166-1 alpha-2).',
  'error.INVALID_EMAIL': 'Not an email address.',
  'error.INVALID_CREDENTIALS': 'Wrong email or password.',
  'error.INVALID_TOKEN': 'This link has expired or was already used. Ask for a new one.',
  'error.PASSWORD_TOO_SHORT': 'Too short: at least {minimum} characters.',
  'error.PASSWORD_TOO_COMMON': 'Too common: choose a password that is harder to guess.',
  'error.WRONG_PASSWORD': 'That is not your current password.',
  'error.LOGIN_THROTTLED': 'Too many attempts. Wait and try again.',
  'error.COMPANY_ARCHIVED': 'This company is archived.',
  'error.ARCHIVE_BLOCKED': 'It cannot be archived yet.',
  'error.NOT_FOUND': 'It no longer exists, or is outside your companies.',
  'error.EMAIL_TAKEN': 'This email already has an account.',
  'error.INVITATION_CLOSED': 'This invitation was already used or revoked.',
  'error.FORBIDDEN': 'Your role may not do this.',
};

export type MessageKey = keyof typeof en;
type Catalog = Record<MessageKey, string>;

const es: Catalog = {
  appName: 'Fleet Admin',
  'nav.companies': 'Empresas',
  'nav.profile': 'Perfil',
  'nav.signOut': 'Cerrar sesión',
  'nav.language': 'Idioma',
  'common.save': 'Guardar',
  'common.cancel': 'Cancelar',
  'common.loading': 'Cargando…',
  'common.sending': 'Enviando…',
  'common.loadMore': 'Ver más',
  'common.retry': 'Reintentar',
  'common.failed': 'Algo ha fallado. Inténtalo de nuevo.',
  'common.offline': 'No se ha podido contactar con el servidor. Inténtalo de nuevo.',
  'signIn.title': 'Iniciar sesión',
  'signIn.email': 'Correo electrónico',
  'signIn.password': 'Contraseña',
  'signIn.submit': 'Entrar',
  'signIn.forgot': '¿Has olvidado la contraseña?',
  'signIn.expired': 'Tu sesión ha terminado. Vuelve a entrar para continuar.',
  'signIn.signedOut': 'Has cerrado la sesión.',
  'signIn.throttled': 'Demasiados intentos. Espera {seconds} segundos y vuelve a probar.',
  'accept.title': 'Acepta tu invitación',
  'accept.intro': 'Elige tu nombre y una contraseña para terminar de crear tu cuenta.',
  'accept.name': 'Tu nombre',
  'accept.password': 'Contraseña',
  'accept.confirm': 'Repite la contraseña',
  'accept.submit': 'Crear mi cuenta',
  'accept.noToken': 'Este enlace está incompleto. Abre de nuevo el enlace del correo de invitación.',
  'forgot.title': 'Contraseña olvidada',
  'forgot.intro': 'Escribe tu correo: si tiene cuenta, le enviamos un enlace para elegir una contraseña nueva.',
  'forgot.email': 'Correo electrónico',
  'forgot.submit': 'Enviar el enlace',
  'forgot.sent': 'Si {email} tiene cuenta, el enlace va de camino. Sirve una vez y por tiempo limitado.',
  'forgot.back': 'Volver a iniciar sesión',
  'reset.title': 'Elige una contraseña nueva',
  'reset.password': 'Contraseña nueva',
  'reset.confirm': 'Repite la contraseña nueva',
  'reset.submit': 'Guardar la contraseña',
  'reset.done': 'Tu contraseña está lista. Entra con ella.',
  'reset.noToken': 'Este enlace está incompleto. Ábrelo de nuevo desde el correo o pide otro.',
  'profile.title': 'Perfil',
  'profile.email': 'Correo electrónico',
  'profile.role': 'Rol',
  'profile.company': 'Empresa',
  'profile.name': 'Nombre',
  'profile.saved': 'Guardado.',
  'profile.passwordTitle': 'Cambiar la contraseña',
  'profile.currentPassword': 'Contraseña actual',
  'profile.newPassword': 'Contraseña nueva',
  'profile.confirm': 'Repite la contraseña nueva',
  'profile.changePassword': 'Cambiar la contraseña',
  'profile.passwordChanged': 'Contraseña cambiada. Tus otras sesiones se han cerrado.',
  'profile.languageTitle': 'Idioma',
  'profile.languageHint': 'El idioma del portal en este navegador.',
  'company.breadcrumb': 'Dónde estás',
  'company.search': 'Buscar empresas',
  'company.searchSubmit': 'Buscar',
  'company.searchResults': 'Resultados de «{search}»',
  'company.noResults': 'Ninguna empresa coincide.',
  'company.children': 'Empresas bajo {name}',
  'company.noChildren': 'Todavía no hay ninguna empresa bajo esta.',
  'company.country': 'País',
  'company.archived': 'Archivada',
  'company.counts.children': 'Hijas',
  'company.counts.descendants': 'Por debajo',
  'company.counts.users': 'Usuarios',
  'company.counts.devices': 'Dispositivos',
  'company.createChild': 'Crear una empresa bajo esta',
  'company.newName': 'Nombre',
  'company.newCountry': 'Código de país',
  'company.newCountryHint': 'Dos letras, p. ej. ES',
  'company.create': 'Crear',
  'company.created': 'Se ha creado {name}.',
  'company.rename': 'Renombrar',
  'company.renameTo': 'Nombre nuevo',
  'company.renamed': 'Renombrada.',
  'company.archive': 'Archivar',
  'company.archiveConfirm': '¿Archivar {name}? Dejará de poder usarse.',
  'company.archivedDone': 'Se ha archivado {name}.',
  'company.archiveBlocked': 'Todavía no se puede archivar {name}:',
  'blocker.ACTIVE_USERS': 'aún tiene usuarios activos: desactívalos primero',
  'blocker.CHILDREN': 'aún tiene empresas por debajo: archívalas primero',
  'blocker.DEVICES': 'aún tiene dispositivos registrados: dalos de baja primero',
  'blocker.CREDITS': 'aún tiene créditos: muévelos primero',
  'role.SUPERADMIN': 'Superadministrador',
  'role.ADMINISTRATOR': 'Administrador',
  'role.ADVANCED_USER': 'Usuario avanzado',
  'role.USER': 'Usuario',
  'notFound.title': 'Aquí no hay nada',
  'notFound.back': 'Ir a tus empresas',
  'field.required': 'Obligatorio.',
  'field.tooLong': 'Como máximo {maximum} caracteres.',
  'field.tooShort': 'Al menos {minimum} caracteres.',
  'field.email': 'No es un correo electrónico.',
  'field.country': 'Dos letras (ISO 3166-1), p. ej. ES.',
  'field.mismatch': 'Las dos contraseñas no coinciden.',
  'error.REQUIRED': 'Obligatorio.',
  'error.TOO_LONG': 'Demasiado largo{maximum, : como máximo {maximum}}.',
  'error.OUT_OF_RANGE': 'Fuera de rango.',
  'error.INVALID_VALUE': 'No es un valor válido.',
  'error.INVALID_CHARACTER': 'Contiene un carácter no permitido.',
  'error.INVALID_COUNTRY_CODE': 'No es un código de país (ISO 3166-1 alfa-2).',
  'error.INVALID_EMAIL': 'No es un correo electrónico.',
  'error.INVALID_CREDENTIALS': 'Correo o contraseña incorrectos.',
  'error.INVALID_TOKEN': 'Este enlace ha caducado o ya se usó. Pide uno nuevo.',
  'error.PASSWORD_TOO_SHORT': 'Demasiado corta: al menos {minimum} caracteres.',
  'error.PASSWORD_TOO_COMMON': 'Demasiado común: elige una contraseña más difícil de adivinar.',
  'error.WRONG_PASSWORD': 'Esa no es tu contraseña actual.',
  'error.LOGIN_THROTTLED': 'Demasiados intentos. Espera y vuelve a probar.',
  'error.COMPANY_ARCHIVED': 'Esta empresa está archivada.',
  'error.ARCHIVE_BLOCKED': 'Todavía no se puede archivar.',
  'error.NOT_FOUND': 'Ya no existe o está fuera de tus empresas.',
  'error.EMAIL_TAKEN': 'Este correo ya tiene cuenta.',
  'error.INVITATION_CLOSED': 'Esta invitación ya se usó o se revocó.',
  'error.FORBIDDEN': 'Tu rol no permite hacer esto.',
};

const fr: Catalog = {
  appName: 'Fleet Admin',
  'nav.companies': 'Sociétés',
  'nav.profile': 'Profil',
  'nav.signOut': 'Se déconnecter',
  'nav.language': 'Langue',
  'common.save': 'Enregistrer',
  'common.cancel': 'Annuler',
  'common.loading': 'Chargement…',
  'common.sending': 'Envoi…',
  'common.loadMore': 'Afficher plus',
  'common.retry': 'Réessayer',
  'common.failed': 'Une erreur est survenue. Réessayez.',
  'common.offline': 'Le serveur est injoignable. Réessayez.',
  'signIn.title': 'Connexion',
  'signIn.email': 'E-mail',
  'signIn.password': 'Mot de passe',
  'signIn.submit': 'Se connecter',
  'signIn.forgot': 'Mot de passe oublié ?',
  'signIn.expired': 'Votre session a pris fin. Reconnectez-vous pour continuer.',
  'signIn.signedOut': 'Vous êtes déconnecté.',
  'signIn.throttled': 'Trop de tentatives. Attendez {seconds} secondes puis réessayez.',
  'accept.title': 'Acceptez votre invitation',
  'accept.intro': 'Choisissez votre nom et un mot de passe pour terminer la création de votre compte.',
  'accept.name': 'Votre nom',
  'accept.password': 'Mot de passe',
  'accept.confirm': 'Répétez le mot de passe',
  'accept.submit': 'Créer mon compte',
  'accept.noToken': 'Ce lien est incomplet. Ouvrez à nouveau le lien de l’e-mail d’invitation.',
  'forgot.title': 'Mot de passe oublié',
  'forgot.intro': 'Saisissez votre e-mail : s’il a un compte, nous lui envoyons un lien pour choisir un nouveau mot de passe.',
  'forgot.email': 'E-mail',
  'forgot.submit': 'Envoyer le lien',
  'forgot.sent': 'Si {email} a un compte, un lien est en route. Il sert une fois, pour une durée limitée.',
  'forgot.back': 'Retour à la connexion',
  'reset.title': 'Choisissez un nouveau mot de passe',
  'reset.password': 'Nouveau mot de passe',
  'reset.confirm': 'Répétez le nouveau mot de passe',
  'reset.submit': 'Enregistrer le mot de passe',
  'reset.done': 'Votre mot de passe est enregistré. Connectez-vous avec.',
  'reset.noToken': 'Ce lien est incomplet. Rouvrez-le depuis l’e-mail ou demandez-en un autre.',
  'profile.title': 'Profil',
  'profile.email': 'E-mail',
  'profile.role': 'Rôle',
  'profile.company': 'Société',
  'profile.name': 'Nom',
  'profile.saved': 'Enregistré.',
  'profile.passwordTitle': 'Changer le mot de passe',
  'profile.currentPassword': 'Mot de passe actuel',
  'profile.newPassword': 'Nouveau mot de passe',
  'profile.confirm': 'Répétez le nouveau mot de passe',
  'profile.changePassword': 'Changer le mot de passe',
  'profile.passwordChanged': 'Mot de passe changé. Vos autres sessions sont fermées.',
  'profile.languageTitle': 'Langue',
  'profile.languageHint': 'La langue du portail dans ce navigateur.',
  'company.breadcrumb': 'Où vous êtes',
  'company.search': 'Rechercher des sociétés',
  'company.searchSubmit': 'Rechercher',
  'company.searchResults': 'Résultats pour « {search} »',
  'company.noResults': 'Aucune société ne correspond.',
  'company.children': 'Sociétés sous {name}',
  'company.noChildren': 'Aucune société sous celle-ci pour l’instant.',
  'company.country': 'Pays',
  'company.archived': 'Archivée',
  'company.counts.children': 'Filles',
  'company.counts.descendants': 'En dessous',
  'company.counts.users': 'Utilisateurs',
  'company.counts.devices': 'Appareils',
  'company.createChild': 'Créer une société sous celle-ci',
  'company.newName': 'Nom',
  'company.newCountry': 'Code pays',
  'company.newCountryHint': 'Deux lettres, p. ex. FR',
  'company.create': 'Créer',
  'company.created': '{name} a été créée.',
  'company.rename': 'Renommer',
  'company.renameTo': 'Nouveau nom',
  'company.renamed': 'Renommée.',
  'company.archive': 'Archiver',
  'company.archiveConfirm': 'Archiver {name} ? Elle ne sera plus utilisable.',
  'company.archivedDone': '{name} a été archivée.',
  'company.archiveBlocked': '{name} ne peut pas encore être archivée :',
  'blocker.ACTIVE_USERS': 'elle a encore des utilisateurs actifs : désactivez-les d’abord',
  'blocker.CHILDREN': 'elle a encore des sociétés en dessous : archivez-les d’abord',
  'blocker.DEVICES': 'elle a encore des appareils enregistrés : désenregistrez-les d’abord',
  'blocker.CREDITS': 'elle détient encore des crédits : déplacez-les d’abord',
  'role.SUPERADMIN': 'Super-administrateur',
  'role.ADMINISTRATOR': 'Administrateur',
  'role.ADVANCED_USER': 'Utilisateur avancé',
  'role.USER': 'Utilisateur',
  'notFound.title': 'Rien ici',
  'notFound.back': 'Aller à vos sociétés',
  'field.required': 'Obligatoire.',
  'field.tooLong': '{maximum} caractères au plus.',
  'field.tooShort': 'Au moins {minimum} caractères.',
  'field.email': 'Ce n’est pas une adresse e-mail.',
  'field.country': 'Deux lettres (ISO 3166-1), p. ex. FR.',
  'field.mismatch': 'Les deux mots de passe diffèrent.',
  'error.REQUIRED': 'Obligatoire.',
  'error.TOO_LONG': 'Trop long{maximum, : {maximum} au plus}.',
  'error.OUT_OF_RANGE': 'Hors limites.',
  'error.INVALID_VALUE': 'Valeur non valide.',
  'error.INVALID_CHARACTER': 'Contient un caractère interdit.',
  'error.INVALID_COUNTRY_CODE': 'Ce n’est pas un code pays (ISO 3166-1 alpha-2).',
  'error.INVALID_EMAIL': 'Ce n’est pas une adresse e-mail.',
  'error.INVALID_CREDENTIALS': 'E-mail ou mot de passe incorrect.',
  'error.INVALID_TOKEN': 'Ce lien a expiré ou a déjà servi. Demandez-en un nouveau.',
  'error.PASSWORD_TOO_SHORT': 'Trop court : au moins {minimum} caractères.',
  'error.PASSWORD_TOO_COMMON': 'Trop courant : choisissez un mot de passe plus difficile à deviner.',
  'error.WRONG_PASSWORD': 'Ce n’est pas votre mot de passe actuel.',
  'error.LOGIN_THROTTLED': 'Trop de tentatives. Attendez puis réessayez.',
  'error.COMPANY_ARCHIVED': 'Cette société est archivée.',
  'error.ARCHIVE_BLOCKED': 'Elle ne peut pas encore être archivée.',
  'error.NOT_FOUND': 'Elle n’existe plus ou est hors de vos sociétés.',
  'error.EMAIL_TAKEN': 'Cet e-mail a déjà un compte.',
  'error.INVITATION_CLOSED': 'Cette invitation a déjà servi ou a été révoquée.',
  'error.FORBIDDEN': 'Votre rôle ne permet pas de faire ceci.',
};

export const CATALOGS: Record<Locale, Catalog> = { en, es, fr };

export type Params = Record<string, string | number | null | undefined>;

/** `{name}` is replaced by params.name; `{name, text}` shows text only when params.name is set. */
export function format(template: string, params: Params = {}): string {
  return template
    .replace(/\{(\w+), ([^{}]*(?:\{\w+\}[^{}]*)*)\}/g, (_, name: string, text: string) =>
      params[name] == null ? '' : text,
    )
    .replace(/\{(\w+)\}/g, (whole, name: string) =>
      params[name] == null ? whole : String(params[name]),
    );
}

export type Translate = (key: MessageKey, params?: Params) => string;

export function translator(locale: Locale): Translate {
  const catalog = CATALOGS[locale];
  return (key, params) => format(catalog[key] ?? en[key], params);
}

/** The words for a server's typed error: by its code, else the server's own message. */
export function errorText(
  t: Translate,
  error: { code: string; message?: string | null; minimum?: number | null; maximum?: number | null },
): string {
  const key = `error.${error.code}`;
  if (key in en) {
    return t(key as MessageKey, { minimum: error.minimum, maximum: error.maximum });
  }
  return error.message ?? error.code;
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

const STORAGE_KEY = 'fleet.portal.locale';

/** The language to show: the user's stored choice (the hook for a server-side User.locale:
 * pass it as `serverLocale` once the API has it), else this browser's, else the navigator's. */
export function preferredLocale(serverLocale?: string | null): Locale {
  if (isLocale(serverLocale)) return serverLocale;
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLocale(stored)) return stored;
  } catch {
    // storage disabled: fall through
  }
  const nav = typeof navigator === 'undefined' ? '' : navigator.language.slice(0, 2);
  return isLocale(nav) ? nav : 'en';
}

export function storeLocale(locale: Locale): void {
  try {
    localStorage.setItem(STORAGE_KEY, locale);
  } catch {
    // storage disabled: the choice lasts until the page is closed
  }
}

export interface I18n {
  locale: Locale;
  t: Translate;
  setLocale: (locale: Locale) => void;
}

export const I18nContext = createContext<I18n>({
  locale: 'en',
  t: translator('en'),
  setLocale: () => {},
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}
