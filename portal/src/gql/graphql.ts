/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** Date with time (isoformat) */
  DateTime: { input: string; output: string; }
};

/** What happened to an account's status or expiry (accountEvents). */
export type AccountEventKind =
  /** A new account's application was approved: the account starts. */
  | 'ACTIVATED'
  /** An application about it was cancelled. */
  | 'CANCELLED'
  /** An extension, license change or datapoint transfer was approved. */
  | 'CHANGED'
  /** Its expiry date passed (written by the scheduler). */
  | 'EXPIRED'
  /** An application about it was rejected. */
  | 'REJECTED'
  /** A renewal was approved: the expiry moved on. */
  | 'RENEWED';

/** Amounts to add; a negative `datapoints` frees datapoints. */
export type AccountExtensionRequestInput = {
  /** The account to extend (ACTIVE; SUPERADMIN of its company or above). */
  accountId: Scalars['ID']['input'];
  /** Datapoints to add (datapoint licenses); negative to free them; default: 0. */
  datapoints?: Scalars['Int']['input'];
  /** Meters to add (meter licenses); default: 0. */
  meters?: Scalars['Int']['input'];
  /** PODs / CUPS to add (meter licenses); default: 0. */
  pods?: Scalars['Int']['input'];
  /** Real-time meters to add (meter licenses); default: 0. */
  realtimeMeters?: Scalars['Int']['input'];
  /** RTC lines to add (companies in Spain only); default: 0. */
  rtcLines?: Scalars['Int']['input'];
  /** SMS credits to add; default: 0. */
  smsCredits?: Scalars['Int']['input'];
};

/** Ask the desk to move an account to another license of the same billing unit. */
export type AccountLicenseChangeRequestInput = {
  /** The account to change (SUPERADMIN of its company or above). */
  accountId: Scalars['ID']['input'];
  /** The license to move to (from `licenses`), another one of the same billing unit. */
  licenseId: Scalars['ID']['input'];
};

/** Ask the desk to renew an account: 12 more months from the later of now and its expiry. */
export type AccountRenewalRequestInput = {
  /** The account to renew (SUPERADMIN of its company or above). */
  accountId: Scalars['ID']['input'];
};

/** A NEW_ACCOUNT application: the account as it should be. */
export type AccountRequestInput = {
  /** Required exactly when paying by credit card. */
  cardType?: InputMaybe<CardType>;
  /** A note for the desk; default: none. */
  comment?: InputMaybe<Scalars['String']['input']>;
  /** The company the account is for (SUPERADMIN of it or above). */
  companyId: Scalars['ID']['input'];
  /** The customer the project is for, 1 to 200 characters. */
  customerName: Scalars['String']['input'];
  /** At least 20 (datapoint licenses). */
  datapoints?: Scalars['Int']['input'];
  /** The domain its outgoing mail is sent from (a domain name); default: none. */
  emailDomain?: InputMaybe<Scalars['String']['input']>;
  /** Its license, from `licenses`. */
  licenseId: Scalars['ID']['input'];
  /** At least 1 (meter licenses). */
  meters?: Scalars['Int']['input'];
  /** The account's name (the project), 1 to 200 characters. */
  name: Scalars['String']['input'];
  /** How the license is paid; CREDIT_CARD needs `cardType`. */
  paymentMethod: PaymentMethod;
  /** 1 to 120. */
  periodMonths?: Scalars['Int']['input'];
  /** PODs / CUPS of bill management (meter licenses only); default: 0. */
  pods?: Scalars['Int']['input'];
  /** Real-time meters (meter licenses only); default: 0. */
  realtimeMeters?: Scalars['Int']['input'];
  /** Companies in Spain only. */
  rtcLines?: Scalars['Int']['input'];
  /** The customer's line of business. */
  sector: Sector;
  /** SMS alerts the account may send; default: 0. */
  smsCredits?: Scalars['Int']['input'];
};

/** Where an account stands; EXPIRED follows from the expiry date. */
export type AccountStatus =
  /** Approved and within its period. */
  | 'ACTIVE'
  /** Its NEW_ACCOUNT application was withdrawn. */
  | 'CANCELLED'
  /** Approved, but `expiresAt` has passed; a renewal makes it ACTIVE again. */
  | 'EXPIRED'
  /** Requested, its NEW_ACCOUNT application not decided yet. */
  | 'PENDING'
  /** Its NEW_ACCOUNT application was rejected. */
  | 'REJECTED';

/** Approve a pending application: its change applies to the account at once. */
export type ApplicationApproveInput = {
  /** The application (PENDING) to approve. */
  id: Scalars['ID']['input'];
};

/** Withdraw a pending application of your tree before the desk decides it. */
export type ApplicationCancelInput = {
  /** The application (PENDING) to withdraw. */
  id: Scalars['ID']['input'];
};

/** What happened to an application (applicationEvents). */
export type ApplicationEventKind =
  /** Approved by the platform's desk: its change applied to the account(s). */
  | 'APPROVED'
  /** Withdrawn by its company before a decision; nothing changed. */
  | 'CANCELLED'
  /** Filed by a SUPERADMIN of the company or above it: waiting for the desk. */
  | 'FILED'
  /** Rejected by the platform's desk, with a reason; nothing changed. */
  | 'REJECTED';

/** What an application asks the platform's desk to approve. */
export type ApplicationKind =
  /** Datapoints moved from this account to another. */
  | 'DATAPOINT_TRANSFER'
  /** More datapoints, meters, PODs, real-time meters, RTC lines or SMS credits. */
  | 'EXTENSION'
  /** Another license of the same billing unit. */
  | 'LICENSE_CHANGE'
  /** A new account (`accountRequest`). */
  | 'NEW_ACCOUNT'
  /** Another period from the account's expiry. */
  | 'RENEWAL';

/** Reject a pending application; nothing changes on the account. */
export type ApplicationRejectInput = {
  /** The application (PENDING) to reject. */
  id: Scalars['ID']['input'];
  /** Why, for the requester (sent in the decision mail); 1 to 2,000 characters. */
  reason: Scalars['String']['input'];
};

/** Where an application stands; only PENDING ones can be decided or cancelled. */
export type ApplicationStatus =
  /** Approved: its change was applied to the account. */
  | 'APPROVED'
  /** Withdrawn by its company before a decision; nothing changed. */
  | 'CANCELLED'
  /** Waiting for the desk (the platform company's ADMINISTRATORs). */
  | 'PENDING'
  /** Rejected, with a reason; nothing changed. */
  | 'REJECTED';

/** What keeps a company from being archived. */
export type ArchiveBlocker =
  /** It has active users: deactivate them first. */
  | 'ACTIVE_USERS'
  /** It has children that are not archived: archive them first. */
  | 'CHILDREN'
  /** It holds credits: move them out first. */
  | 'CREDITS'
  /** It has registered devices: unregister them first. */
  | 'DEVICES';

/** What an audit event records; `actionName` gives the stable dotted name. */
export type AuditAction =
  /** An approved application applied to an account. */
  | 'ACCOUNT_CHANGE'
  /** An account created (its NEW_ACCOUNT application approved). */
  | 'ACCOUNT_CREATE'
  /** An account's expiry date passed: it stopped running (a job). */
  | 'ACCOUNT_EXPIRE'
  /** An application approved. */
  | 'APPLICATION_APPROVE'
  /** An application withdrawn. */
  | 'APPLICATION_CANCEL'
  /** An application rejected. */
  | 'APPLICATION_REJECT'
  /** An application filed (new account, extension, change, ...). */
  | 'APPLICATION_REQUEST'
  /** Entries older than AUDIT_RETENTION_DAYS purged (a job). */
  | 'AUDIT_PURGE'
  /** A company archived. */
  | 'COMPANY_ARCHIVE'
  /** A company created. */
  | 'COMPANY_CREATE'
  /** A company renamed. */
  | 'COMPANY_RENAME'
  /** A company's `useParentCredits` changed. */
  | 'COMPANY_SET_USE_PARENT_CREDITS'
  /** Credits granted to a company. */
  | 'CREDIT_GRANT'
  /** Credits moved between a parent and a child. */
  | 'CREDIT_MOVE'
  /** A device's periodic charge paid (a job). */
  | 'DEVICE_CHARGE'
  /** A device registered. */
  | 'DEVICE_REGISTER'
  /** A device renamed. */
  | 'DEVICE_RENAME'
  /** A suspended device resumed once credits allowed (a job). */
  | 'DEVICE_RESUME'
  /** A device suspended for want of credits (a job). */
  | 'DEVICE_SUSPEND'
  /** A device unregistered. */
  | 'DEVICE_UNREGISTER'
  /** A mutation refused to the caller's role. */
  | 'FORBIDDEN'
  /** An invitation accepted. */
  | 'INVITATION_ACCEPT'
  /** An invitation sent. */
  | 'INVITATION_CREATE'
  /** An invitation sent again with a new link. */
  | 'INVITATION_RESEND'
  /** An invitation revoked. */
  | 'INVITATION_REVOKE'
  /** A custom license added to the catalog. */
  | 'LICENSE_CREATE'
  /** A mail given up after its last failed attempt (a job). */
  | 'MAIL_GIVE_UP'
  /** A `passwordChange`. */
  | 'PASSWORD_CHANGE'
  /** A password set from a reset link. */
  | 'PASSWORD_RESET'
  /** A `passwordResetRequest` for an existing user. */
  | 'PASSWORD_RESET_REQUEST'
  /** A spent refresh token presented again: its whole session was revoked. */
  | 'REFRESH_REUSE'
  /** An expiry reminder mailed for an account (a job). */
  | 'REMINDER_SEND'
  /** A successful `login`. */
  | 'SIGN_IN'
  /** A refused `login` (wrong password, unknown or inactive user). */
  | 'SIGN_IN_FAILED'
  /** A `login` refused by the throttle (LOGIN_THROTTLED). */
  | 'SIGN_IN_THROTTLED'
  /** A `logout`. */
  | 'SIGN_OUT'
  /** A refresh token exchanged for a new pair. */
  | 'TOKEN_REFRESH'
  /** A user's role changed. */
  | 'USER_CHANGE_ROLE'
  /** A user created (an invitation accepted, or the bootstrap). */
  | 'USER_CREATE'
  /** A user deactivated. */
  | 'USER_DEACTIVATE'
  /** A user reactivated. */
  | 'USER_REACTIVATE'
  /** A user's profile (name, locale) changed. */
  | 'USER_UPDATE_PROFILE';

/** Who acted in an audit event. */
export type AuditActorKind =
  /** Nobody signed in (a failed sign-in, a password reset request). */
  | 'ANONYMOUS'
  /** A job or the command line. */
  | 'SYSTEM'
  /** A signed-in user (`actor`, when their company is in the reader's tree). */
  | 'USER';

/** What a license counts and charges by. */
export type BillingUnit =
  /** Datapoints (the readings devices report); the account has a datapoint quota. */
  | 'DATAPOINTS'
  /** Meters (with PODs and real-time meters); the account has a meter count. */
  | 'METERS';

/** The card of a CREDIT_CARD payment (only with that method). */
export type CardType =
  /** American Express. */
  | 'AMERICAN_EXPRESS'
  /** Mastercard. */
  | 'MASTERCARD'
  /** Visa. */
  | 'VISA';

/** Archive an empty company (no active users, children, devices or credits). */
export type CompanyArchiveInput = {
  /** The company to archive (ADMINISTRATOR above it). */
  id: Scalars['ID']['input'];
};

/** A new company under a parent of your tree. */
export type CompanyCreateInput = {
  /** ISO 3166-1 alpha-2, e.g. ES. */
  countryCode: Scalars['String']['input'];
  /** Its name, 1 to 200 characters. */
  name: Scalars['String']['input'];
  /** The company it goes under (ADMINISTRATOR of it or above; not archived). */
  parentId: Scalars['ID']['input'];
  /** Whether its device charges are paid from its parent's credits; default: false. */
  useParentCredits?: Scalars['Boolean']['input'];
};

/** A company's new name. */
export type CompanyRenameInput = {
  /** The company to rename (ADMINISTRATOR of it or above). */
  id: Scalars['ID']['input'];
  /** Its new name, 1 to 200 characters. */
  name: Scalars['String']['input'];
};

/** Who pays a company's device charges. */
export type CompanySetUseParentCreditsInput = {
  /** The company (ADMINISTRATOR above it). */
  id: Scalars['ID']['input'];
  /** True: its parent's credits pay (and so on up); false: its own. */
  useParentCredits: Scalars['Boolean']['input'];
};

/** Sell credits to a company (platform desk). */
export type CreditGrantInput = {
  /** 1 to 1,000,000. */
  amount: Scalars['Int']['input'];
  /** The company to receive the credits (platform ADMINISTRATOR). */
  companyId: Scalars['ID']['input'];
  /** A retry with the same key applies once. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** Why, shown in the ledger (at most 500 characters); default: empty. */
  reason?: Scalars['String']['input'];
  /** E.g. an invoice number. */
  reference?: InputMaybe<Scalars['String']['input']>;
};

/** Move credits between a company and one of its children. */
export type CreditMoveInput = {
  /** How many credits, 1 to 1,000,000; at most the sender's balance. */
  amount: Scalars['Int']['input'];
  /** The company the credits leave (ADMINISTRATOR of it or above). */
  fromCompanyId: Scalars['ID']['input'];
  /** A key of your choice: a retry with the same key and values moves once and answers the first result. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** Why, shown in both ledgers (at most 500 characters); default: empty. */
  reason?: Scalars['String']['input'];
  /** The company they go to: its parent or one of its children. */
  toCompanyId: Scalars['ID']['input'];
};

/** Move datapoints from `accountId` to `targetAccountId`. */
export type DatapointTransferRequestInput = {
  /** The account giving datapoints (SUPERADMIN of its company or above). */
  accountId: Scalars['ID']['input'];
  /** How many, at least 1; the giver keeps at least 20 and those in use. */
  datapoints: Scalars['Int']['input'];
  /** The account receiving them, of a datapoint license; not the same account. */
  targetAccountId: Scalars['ID']['input'];
};

/** What happened to a device (deviceEvents). */
export type DeviceEventKind =
  /** Registered into a company, paying its first credit. */
  | 'REGISTERED'
  /** Given a new name. */
  | 'RENAMED'
  /** Resumed by the charging job once credits allowed. */
  | 'RESUMED'
  /** Suspended by the charging job: its company could not pay the period. */
  | 'SUSPENDED'
  /** Removed from its company; its datapoints are free again. */
  | 'UNREGISTERED';

/** Register a device; one credit pays for its first period. */
export type DeviceRegisterInput = {
  /** An account of the same company whose quota it uses. */
  accountId?: InputMaybe<Scalars['ID']['input']>;
  /** The company to register it in (ADVANCED_USER of it or above); costs one credit. */
  companyId: Scalars['ID']['input'];
  /** How many datapoints it measures, at least 1. */
  datapoints: Scalars['Int']['input'];
  /** A key of your choice: a retry with the same key registers once and answers the first result. */
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  /** Its model, 1 to 100 characters. */
  model: Scalars['String']['input'];
  /** Its name, 1 to 200 characters. */
  name: Scalars['String']['input'];
  /** Its serial number: letters, digits and `._:/-`, up to 100 characters. */
  serialNumber: Scalars['String']['input'];
};

/** A device's new name. */
export type DeviceRenameInput = {
  /** The device to rename (registered; ADVANCED_USER and above). */
  id: Scalars['ID']['input'];
  /** Its new name, 1 to 200 characters. */
  name: Scalars['String']['input'];
};

/** Where a device stands. */
export type DeviceStatus =
  /** Registered and paid for: monitored. */
  | 'ACTIVE'
  /** Registered, but its charge could not be paid; resumed once credits allow. */
  | 'SUSPENDED'
  /** No longer registered; kept for its history. */
  | 'UNREGISTERED';

/** Unused days of the current credit are lost. */
export type DeviceUnregisterInput = {
  /** The device to unregister (ADVANCED_USER and above); the rest of its period is lost. */
  id: Scalars['ID']['input'];
};

/** What moved credits in a ledger entry. */
export type EntryKind =
  /** A device's charge for one period (CREDIT_PERIOD_DAYS), paid by this company. */
  | 'CHARGE'
  /** Credits created for a company by the platform (`creditGrant`). */
  | 'GRANT'
  /** Credits received from another company (`creditMove`, the receiving side). */
  | 'MOVE_IN'
  /** Credits moved to another company (`creditMove`, the sending side). */
  | 'MOVE_OUT';

/** Stable, machine-readable error codes: switch on them; they are never renamed. */
export type ErrorCode =
  /** The account is not approved (pending, rejected or cancelled). */
  | 'ACCOUNT_CLOSED'
  /** The account's period is over; renew it first. */
  | 'ACCOUNT_EXPIRED'
  /** The application was approved, rejected or cancelled already. */
  | 'APPLICATION_DECIDED'
  /** The account has a pending application already: one at a time. */
  | 'APPLICATION_PENDING'
  /** The company still has what `blockers` lists; archive that first. */
  | 'ARCHIVE_BLOCKED'
  /** A number under its minimum (`minimum`). */
  | 'BELOW_MINIMUM'
  /** DATAPOINTS to METERS (or back) needs a new account. */
  | 'BILLING_UNIT_CHANGE'
  /** Nobody changes their own role or deactivates themselves. */
  | 'CANNOT_ACT_ON_SELF'
  /** A `cardType` with a payment method other than CREDIT_CARD. */
  | 'CARD_TYPE_NOT_APPLICABLE'
  /** CREDIT_CARD payment without a `cardType`. */
  | 'CARD_TYPE_REQUIRED'
  /** The company is archived: nothing more is created in or moved to it. */
  | 'COMPANY_ARCHIVED'
  /** A subscription's `after` is older than the events kept (EVENT_RETENTION_SECONDS): reload the data, then subscribe without it. */
  | 'CURSOR_EXPIRED'
  /** Fewer datapoints than an account may have (`minimum`: 20). */
  | 'DATAPOINTS_BELOW_MINIMUM'
  /** Fewer datapoints than the account's devices use (`inUse`). */
  | 'DATAPOINTS_IN_USE'
  /** The device is unregistered: it can no longer be changed. */
  | 'DEVICE_UNREGISTERED'
  /** A user with this email exists already. */
  | 'EMAIL_TAKEN'
  /** An extension that asks for nothing more. */
  | 'EXTENSION_EMPTY'
  /** `first` and `last` together: give one. */
  | 'FIRST_AND_LAST'
  /** This idempotency key was used before with other values. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** More credits than the paying company has (`available`). */
  | 'INSUFFICIENT_CREDITS'
  /** Text holding a NUL or an unpaired surrogate, which nothing stores. */
  | 'INVALID_CHARACTER'
  /** Not an ISO 3166-1 alpha-2 country code. */
  | 'INVALID_COUNTRY_CODE'
  /** Wrong email or password (which one is not said). */
  | 'INVALID_CREDENTIALS'
  /** A cursor that is not one of ours, or one of another list or arguments. */
  | 'INVALID_CURSOR'
  /** `since` after `until`. */
  | 'INVALID_DATE_RANGE'
  /** Not an email address. */
  | 'INVALID_EMAIL'
  /** The account's email domain is not a domain name. */
  | 'INVALID_EMAIL_DOMAIN'
  /** A serial number or license code of the wrong shape. */
  | 'INVALID_FORMAT'
  /** Not an ID of this API, or an ID of another type than the field takes. */
  | 'INVALID_ID'
  /** An invitation, reset or refresh token that is unknown, used or expired. */
  | 'INVALID_TOKEN'
  /** A value of the wrong shape that no rule below names. */
  | 'INVALID_VALUE'
  /** The invitation was accepted, revoked or has expired. */
  | 'INVITATION_CLOSED'
  /** This email has a pending invitation already; resend or revoke it. */
  | 'INVITATION_PENDING'
  /** The platform's last active SUPERADMIN cannot be demoted or removed. */
  | 'LAST_SUPERADMIN'
  /** A license with this code exists already. */
  | 'LICENSE_CODE_TAKEN'
  /** A license change to the license the account has. */
  | 'LICENSE_UNCHANGED'
  /** Too many failed sign-ins: wait `retryAfterSeconds`. */
  | 'LOGIN_THROTTLED'
  /** A meter license with fewer than 1 meter (`minimum`). */
  | 'METERS_BELOW_MINIMUM'
  /** Datapoints on a meter license. */
  | 'NOT_BILLED_BY_DATAPOINTS'
  /** Meters, PODs or real-time meters on a datapoint license. */
  | 'NOT_BILLED_BY_METERS'
  /** No such object, or one outside your part of the tree (the two look alike). */
  | 'NOT_FOUND'
  /** Credits move only between a company and one of its children. */
  | 'NOT_PARENT_AND_CHILD'
  /** A number above its maximum (`maximum`). */
  | 'OUT_OF_RANGE'
  /** `first` or `last` above the maximum page (`maximum`). */
  | 'PAGE_SIZE_EXCEEDED'
  /** `first` or `last` below 0. */
  | 'PAGE_SIZE_NEGATIVE'
  /** A common or guessable password; a few random words make good ones. */
  | 'PASSWORD_TOO_COMMON'
  /** A password under 12 characters (`minimum`). */
  | 'PASSWORD_TOO_SHORT'
  /** More datapoints than the device's account has left (`available`). */
  | 'QUOTA_EXCEEDED'
  /** An empty value where one is needed (`field` names it). */
  | 'REQUIRED'
  /** A role above your own. */
  | 'ROLE_TOO_HIGH'
  /** RTC lines for a company outside Spain. */
  | 'RTC_ONLY_IN_SPAIN'
  /** A datapoint transfer to the account itself. */
  | 'SAME_ACCOUNT'
  /** A device with this serial number is registered already. */
  | 'SERIAL_REGISTERED'
  /** Text over its maximum length (`maximum`, in characters). */
  | 'TOO_LONG'
  /** One subscription more than a connection may hold. */
  | 'TOO_MANY_SUBSCRIPTIONS'
  /** The current password given to `passwordChange` is not the user's. */
  | 'WRONG_PASSWORD';

/** Accept an invitation from its link: the token, the password to sign in with, a name. */
export type InvitationAcceptInput = {
  /** The name to go by; default: the one the invitation gave. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** At least 12 characters, not a common one. */
  password: Scalars['String']['input'];
  /** From the link in the invitation mail. */
  token: Scalars['String']['input'];
};

/** Send a pending invitation again, with a new link (the old one stops working). */
export type InvitationResendInput = {
  /** The invitation (PENDING or EXPIRED; ADMINISTRATOR). */
  id: Scalars['ID']['input'];
};

/** Close a pending invitation. */
export type InvitationRevokeInput = {
  /** The invitation (PENDING; ADMINISTRATOR). */
  id: Scalars['ID']['input'];
};

/** Where an invitation stands. */
export type InvitationStatus =
  /** Accepted: the user exists. */
  | 'ACCEPTED'
  /** Not accepted before `expiresAt` (INVITATION_TTL_SECONDS); resend it. */
  | 'EXPIRED'
  /** Sent, not yet accepted; its link works until `expiresAt`. */
  | 'PENDING'
  /** Closed by `invitationRevoke` (or replaced): its link no longer works. */
  | 'REVOKED';

/** A custom license of the catalog. */
export type LicenseCreateInput = {
  /** What it counts and charges by. */
  billingUnit: BillingUnit;
  /** Its code: an uppercase letter, then 1 to 49 uppercase letters, digits or `_`; unique. */
  code: Scalars['String']['input'];
  /** Its name, 1 to 100 characters. */
  name: Scalars['String']['input'];
  /** Its place among the licenses of its unit (Starter < Professional < ...). */
  rank: Scalars['Int']['input'];
};

/** A language of the platform: the one a user's mails are written in (error messages follow each request's `Accept-Language`). */
export type Locale =
  /** English (`en`). */
  | 'EN'
  /** Spanish (`es`). */
  | 'ES'
  /** French (`fr`). */
  | 'FR';

/** The credentials to sign in with. */
export type LoginInput = {
  /** The user's email, any case. */
  email: Scalars['String']['input'];
  /** The user's password. */
  password: Scalars['String']['input'];
};

/** The session to end. */
export type LogoutInput = {
  /** The session's current refresh token. */
  refreshToken: Scalars['String']['input'];
};

/** Your current password and the new one. */
export type PasswordChangeInput = {
  /** Your password now. */
  currentPassword: Scalars['String']['input'];
  /** The new one: 12 to 256 characters, not a common one; every other session ends. */
  newPassword: Scalars['String']['input'];
};

/** A new password set with the token of a reset mail. */
export type PasswordResetInput = {
  /** The new password: 12 to 256 characters, not a common one. */
  newPassword: Scalars['String']['input'];
  /** From the link in the reset mail. */
  token: Scalars['String']['input'];
};

/** Ask for a password reset mail. */
export type PasswordResetRequestInput = {
  /** The account's email; the answer is the same whether or not it exists. */
  email: Scalars['String']['input'];
};

/** How the account's license is paid. */
export type PaymentMethod =
  /** By bank transfer. */
  | 'BANK_TRANSFER'
  /** By credit card; `cardType` is then required. */
  | 'CREDIT_CARD'
  /** By direct debit from the customer's bank account. */
  | 'DIRECT_DEBIT';

/** Your own profile. */
export type ProfileUpdateInput = {
  /** The language of your mails; omitted: unchanged. */
  locale?: InputMaybe<Locale>;
  /** Your name, 1 to 200 characters; omitted: unchanged. */
  name?: InputMaybe<Scalars['String']['input']>;
};

/** A user's role, lowest to highest: USER < ADVANCED_USER < ADMINISTRATOR < SUPERADMIN; each may do what the roles below it may. */
export type Role =
  /** An ADVANCED_USER who also manages companies and users (up to their own role), moves and reads credits and reads the audit trail; in the platform company also decides applications, grants credits and manages licenses. */
  | 'ADMINISTRATOR'
  /** A USER who also registers, renames and unregisters devices and reads accounts. */
  | 'ADVANCED_USER'
  /** An ADMINISTRATOR who also requests accounts and changes to them (applications) and may grant SUPERADMIN. */
  | 'SUPERADMIN'
  /** Reads its company and those below (companies, users, devices); changes nothing. */
  | 'USER';

/** The customer's line of business, as declared on the account. */
export type Sector =
  /** Farms and irrigation. */
  | 'AGRICULTURE'
  /** Schools and universities. */
  | 'EDUCATION'
  /** Hospitals, clinics, care homes. */
  | 'HEALTHCARE'
  /** Hotels, restaurants, tourism. */
  | 'HOSPITALITY'
  /** Manufacturing and industrial plants. */
  | 'INDUSTRY'
  /** Warehouses and transport. */
  | 'LOGISTICS'
  /** Office buildings. */
  | 'OFFICES'
  /** None of the above. */
  | 'OTHER'
  /** Public bodies and their buildings. */
  | 'PUBLIC_ADMINISTRATION'
  /** Homes and residential buildings. */
  | 'RESIDENTIAL'
  /** Shops and retail chains. */
  | 'RETAIL'
  /** Energy, water and other utilities. */
  | 'UTILITIES';

/** The refresh token to exchange. */
export type TokenRefreshInput = {
  /** The current refresh token (single use). */
  refreshToken: Scalars['String']['input'];
};

/** A user's new role. */
export type UserChangeRoleInput = {
  /** The user (not yourself, not of a role above yours; ADMINISTRATOR). */
  id: Scalars['ID']['input'];
  /** The new role, at most your own. */
  role: Role;
};

/** Stop a user from signing in (their sessions end). */
export type UserDeactivateInput = {
  /** The user (not yourself; ADMINISTRATOR). */
  id: Scalars['ID']['input'];
};

/** Who to invite, where, with which role: a single-use link is mailed to them. */
export type UserInviteInput = {
  /** The company they will belong to (ADMINISTRATOR of it or above). */
  companyId: Scalars['ID']['input'];
  /** Their email: no user may have it yet, nor a pending invitation. */
  email: Scalars['String']['input'];
  /** The language of the invitation mail and then of the user's mails; default: the platform's (DEFAULT_LOCALE). */
  locale?: InputMaybe<Locale>;
  /** Shown in the mail; optional. */
  name?: Scalars['String']['input'];
  /** Their role, at most your own. */
  role: Role;
};

/** Let a deactivated user sign in again. */
export type UserReactivateInput = {
  /** The user (ADMINISTRATOR). */
  id: Scalars['ID']['input'];
};

export type PortalAcceptInvitationMutationVariables = Exact<{
  input: InvitationAcceptInput;
}>;


export type PortalAcceptInvitationMutation = { __typename?: 'Mutation', invitationAccept:
    | { __typename: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, user: { __typename?: 'User', id: string, name: string, email: string, role: Role } }
    | { __typename: 'ConflictError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'InvalidTokenError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export type CompanyCountsFragment = { __typename?: 'Company', counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } };

export type CompanyViewFragment = { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null, ancestors: Array<{ __typename?: 'Company', id: string, name: string }>, viewerCan: { __typename?: 'CompanyViewerCan', rename: boolean, archive: boolean, createChild: boolean }, children: { __typename?: 'CompanyConnection', edges: Array<{ __typename?: 'CompanyEdge', cursor: string, node: { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null, counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } }, counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } };

export type PortalCompanyHomeQueryVariables = Exact<{
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type PortalCompanyHomeQuery = { __typename?: 'Query', me: { __typename?: 'User', id: string, company: { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null, ancestors: Array<{ __typename?: 'Company', id: string, name: string }>, viewerCan: { __typename?: 'CompanyViewerCan', rename: boolean, archive: boolean, createChild: boolean }, children: { __typename?: 'CompanyConnection', edges: Array<{ __typename?: 'CompanyEdge', cursor: string, node: { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null, counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } }, counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } } } };

export type PortalCompanyQueryVariables = Exact<{
  id: Scalars['ID']['input'];
  first: Scalars['Int']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type PortalCompanyQuery = { __typename?: 'Query', company?: { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null, ancestors: Array<{ __typename?: 'Company', id: string, name: string }>, viewerCan: { __typename?: 'CompanyViewerCan', rename: boolean, archive: boolean, createChild: boolean }, children: { __typename?: 'CompanyConnection', edges: Array<{ __typename?: 'CompanyEdge', cursor: string, node: { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null, counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } }, counts: { __typename?: 'CompanyCounts', children: number, descendants: number, users: number, devices: number } } | null };

export type PortalCompanySearchQueryVariables = Exact<{
  search: Scalars['String']['input'];
  first: Scalars['Int']['input'];
}>;


export type PortalCompanySearchQuery = { __typename?: 'Query', companies: { __typename?: 'CompanyConnection', edges: Array<{ __typename?: 'CompanyEdge', node: { __typename?: 'Company', id: string, name: string, countryCode: string, archivedAt?: string | null } }> } };

export type PortalCompanyCreateMutationVariables = Exact<{
  input: CompanyCreateInput;
}>;


export type PortalCompanyCreateMutation = { __typename?: 'Mutation', companyCreate:
    | { __typename: 'CompanyPayload', company: { __typename?: 'Company', id: string, name: string } }
    | { __typename: 'NotFoundError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export type PortalCompanyRenameMutationVariables = Exact<{
  input: CompanyRenameInput;
}>;


export type PortalCompanyRenameMutation = { __typename?: 'Mutation', companyRename:
    | { __typename: 'CompanyPayload', company: { __typename?: 'Company', id: string, name: string } }
    | { __typename: 'NotFoundError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export type PortalCompanyArchiveMutationVariables = Exact<{
  input: CompanyArchiveInput;
}>;


export type PortalCompanyArchiveMutation = { __typename?: 'Mutation', companyArchive:
    | { __typename: 'ArchiveBlockedError', blockers: Array<ArchiveBlocker>, code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'CompanyPayload', company: { __typename?: 'Company', id: string, archivedAt?: string | null } }
    | { __typename: 'NotFoundError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string }
   };

export type PortalRequestResetMutationVariables = Exact<{
  input: PasswordResetRequestInput;
}>;


export type PortalRequestResetMutation = { __typename?: 'Mutation', passwordResetRequest:
    | { __typename: 'OkPayload' }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string }
   };

export type PortalProfileQueryVariables = Exact<{ [key: string]: never; }>;


export type PortalProfileQuery = { __typename?: 'Query', me: { __typename?: 'User', id: string, email: string, name: string, role: Role, company: { __typename?: 'Company', id: string, name: string } } };

export type PortalUpdateProfileMutationVariables = Exact<{
  input: ProfileUpdateInput;
}>;


export type PortalUpdateProfileMutation = { __typename?: 'Mutation', profileUpdate:
    | { __typename: 'UserPayload', user: { __typename?: 'User', id: string, name: string } }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export type PortalChangePasswordMutationVariables = Exact<{
  input: PasswordChangeInput;
}>;


export type PortalChangePasswordMutation = { __typename?: 'Mutation', passwordChange:
    | { __typename: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export type PortalResetPasswordMutationVariables = Exact<{
  input: PasswordResetInput;
}>;


export type PortalResetPasswordMutation = { __typename?: 'Mutation', passwordReset:
    | { __typename: 'InvalidTokenError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'OkPayload' }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export type PortalSignInMutationVariables = Exact<{
  input: LoginInput;
}>;


export type PortalSignInMutation = { __typename?: 'Mutation', login:
    | { __typename: 'AuthPayload', accessToken: string, accessTokenExpiresAt: string, refreshToken: string, user: { __typename?: 'User', id: string, name: string, email: string, role: Role } }
    | { __typename: 'InvalidCredentialsError', code: ErrorCode, field?: string | null, message: string }
    | { __typename: 'LoginThrottledError', code: ErrorCode, field?: string | null, message: string, retryAfterSeconds: number }
    | { __typename: 'ValidationError', code: ErrorCode, field?: string | null, message: string, minimum?: number | null, maximum?: number | null }
   };

export const CompanyCountsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyCounts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"counts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"children"}},{"kind":"Field","name":{"kind":"Name","value":"descendants"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"devices"}}]}}]}}]} as unknown as DocumentNode<CompanyCountsFragment, unknown>;
export const CompanyViewFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyView"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"ancestors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyCounts"}},{"kind":"Field","name":{"kind":"Name","value":"viewerCan"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rename"}},{"kind":"Field","name":{"kind":"Name","value":"archive"}},{"kind":"Field","name":{"kind":"Name","value":"createChild"}}]}},{"kind":"Field","name":{"kind":"Name","value":"children"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyCounts"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyCounts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"counts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"children"}},{"kind":"Field","name":{"kind":"Name","value":"descendants"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"devices"}}]}}]}}]} as unknown as DocumentNode<CompanyViewFragment, unknown>;
export const PortalAcceptInvitationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalAcceptInvitation"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"InvitationAcceptInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"invitationAccept"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}}]}}]}}]} as unknown as DocumentNode<PortalAcceptInvitationMutation, PortalAcceptInvitationMutationVariables>;
export const PortalCompanyHomeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalCompanyHome"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyView"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyCounts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"counts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"children"}},{"kind":"Field","name":{"kind":"Name","value":"descendants"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"devices"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyView"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"ancestors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyCounts"}},{"kind":"Field","name":{"kind":"Name","value":"viewerCan"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rename"}},{"kind":"Field","name":{"kind":"Name","value":"archive"}},{"kind":"Field","name":{"kind":"Name","value":"createChild"}}]}},{"kind":"Field","name":{"kind":"Name","value":"children"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyCounts"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<PortalCompanyHomeQuery, PortalCompanyHomeQueryVariables>;
export const PortalCompanyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalCompany"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"company"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyView"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyCounts"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"counts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"children"}},{"kind":"Field","name":{"kind":"Name","value":"descendants"}},{"kind":"Field","name":{"kind":"Name","value":"users"}},{"kind":"Field","name":{"kind":"Name","value":"devices"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"CompanyView"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Company"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"Field","name":{"kind":"Name","value":"ancestors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyCounts"}},{"kind":"Field","name":{"kind":"Name","value":"viewerCan"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rename"}},{"kind":"Field","name":{"kind":"Name","value":"archive"}},{"kind":"Field","name":{"kind":"Name","value":"createChild"}}]}},{"kind":"Field","name":{"kind":"Name","value":"children"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"CompanyCounts"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<PortalCompanyQuery, PortalCompanyQueryVariables>;
export const PortalCompanySearchDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalCompanySearch"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companies"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"countryCode"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<PortalCompanySearchQuery, PortalCompanySearchQueryVariables>;
export const PortalCompanyCreateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalCompanyCreate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companyCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}}]}}]}}]} as unknown as DocumentNode<PortalCompanyCreateMutation, PortalCompanyCreateMutationVariables>;
export const PortalCompanyRenameDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalCompanyRename"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyRenameInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companyRename"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}}]}}]}}]} as unknown as DocumentNode<PortalCompanyRenameMutation, PortalCompanyRenameMutationVariables>;
export const PortalCompanyArchiveDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalCompanyArchive"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyArchiveInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"companyArchive"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CompanyPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"archivedAt"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ArchiveBlockedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"blockers"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<PortalCompanyArchiveMutation, PortalCompanyArchiveMutationVariables>;
export const PortalRequestResetDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalRequestReset"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PasswordResetRequestInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"passwordResetRequest"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<PortalRequestResetMutation, PortalRequestResetMutationVariables>;
export const PortalProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortalProfile"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"company"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<PortalProfileQuery, PortalProfileQueryVariables>;
export const PortalUpdateProfileDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalUpdateProfile"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ProfileUpdateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"profileUpdate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}}]}}]}}]} as unknown as DocumentNode<PortalUpdateProfileMutation, PortalUpdateProfileMutationVariables>;
export const PortalChangePasswordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalChangePassword"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PasswordChangeInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"passwordChange"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}}]}}]}}]} as unknown as DocumentNode<PortalChangePasswordMutation, PortalChangePasswordMutationVariables>;
export const PortalResetPasswordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalResetPassword"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PasswordResetInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"passwordReset"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}}]}}]}}]} as unknown as DocumentNode<PortalResetPasswordMutation, PortalResetPasswordMutationVariables>;
export const PortalSignInDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PortalSignIn"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LoginInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AuthPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minimum"}},{"kind":"Field","name":{"kind":"Name","value":"maximum"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LoginThrottledError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfterSeconds"}}]}}]}}]}}]} as unknown as DocumentNode<PortalSignInMutation, PortalSignInMutationVariables>;