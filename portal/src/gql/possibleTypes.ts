
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "ApplicationRequest": [
      "DatapointTransferRequest",
      "ExtensionRequest",
      "LicenseChangeRequest",
      "NewAccountRequest",
      "RenewalRequest"
    ],
    "ApplicationResult": [
      "ApplicationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanyArchiveResult": [
      "ArchiveBlockedError",
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanyCreateResult": [
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanyRenameResult": [
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanySetUseParentCreditsResult": [
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CreditGrantResult": [
      "CreditGrantPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CreditMoveResult": [
      "CreditMovePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "DeviceRegisterResult": [
      "ConflictError",
      "DevicePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "DeviceRenameResult": [
      "DevicePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "DeviceUnregisterResult": [
      "DevicePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "Error": [
      "ArchiveBlockedError",
      "ConflictError",
      "InvalidCredentialsError",
      "InvalidTokenError",
      "LoginThrottledError",
      "NotFoundError",
      "ValidationError"
    ],
    "Event": [
      "AccountEvent",
      "ApplicationEvent",
      "CreditBalanceEvent",
      "DeviceEvent"
    ],
    "InvitationAcceptResult": [
      "AuthPayload",
      "ConflictError",
      "InvalidTokenError",
      "ValidationError"
    ],
    "InvitationResendResult": [
      "InvitationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "InvitationRevokeResult": [
      "InvitationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "LicenseCreateResult": [
      "LicensePayload",
      "ValidationError"
    ],
    "LoginResult": [
      "AuthPayload",
      "InvalidCredentialsError",
      "LoginThrottledError",
      "ValidationError"
    ],
    "LogoutResult": [
      "InvalidTokenError",
      "OkPayload"
    ],
    "Node": [
      "Account",
      "Application",
      "AuditEvent",
      "Company",
      "Device",
      "Invitation",
      "LedgerEntry",
      "License",
      "User"
    ],
    "PasswordChangeResult": [
      "AuthPayload",
      "ValidationError"
    ],
    "PasswordResetRequestResult": [
      "OkPayload",
      "ValidationError"
    ],
    "PasswordResetResult": [
      "InvalidTokenError",
      "OkPayload",
      "ValidationError"
    ],
    "ProfileUpdateResult": [
      "UserPayload",
      "ValidationError"
    ],
    "TokenRefreshResult": [
      "AuthPayload",
      "InvalidTokenError"
    ],
    "UserChangeRoleResult": [
      "NotFoundError",
      "UserPayload",
      "ValidationError"
    ],
    "UserDeactivateResult": [
      "NotFoundError",
      "UserPayload",
      "ValidationError"
    ],
    "UserInviteResult": [
      "ConflictError",
      "InvitationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "UserReactivateResult": [
      "NotFoundError",
      "UserPayload",
      "ValidationError"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "ApplicationRequest": [
      "DatapointTransferRequest",
      "ExtensionRequest",
      "LicenseChangeRequest",
      "NewAccountRequest",
      "RenewalRequest"
    ],
    "ApplicationResult": [
      "ApplicationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanyArchiveResult": [
      "ArchiveBlockedError",
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanyCreateResult": [
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanyRenameResult": [
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CompanySetUseParentCreditsResult": [
      "CompanyPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CreditGrantResult": [
      "CreditGrantPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "CreditMoveResult": [
      "CreditMovePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "DeviceRegisterResult": [
      "ConflictError",
      "DevicePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "DeviceRenameResult": [
      "DevicePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "DeviceUnregisterResult": [
      "DevicePayload",
      "NotFoundError",
      "ValidationError"
    ],
    "Error": [
      "ArchiveBlockedError",
      "ConflictError",
      "InvalidCredentialsError",
      "InvalidTokenError",
      "LoginThrottledError",
      "NotFoundError",
      "ValidationError"
    ],
    "Event": [
      "AccountEvent",
      "ApplicationEvent",
      "CreditBalanceEvent",
      "DeviceEvent"
    ],
    "InvitationAcceptResult": [
      "AuthPayload",
      "ConflictError",
      "InvalidTokenError",
      "ValidationError"
    ],
    "InvitationResendResult": [
      "InvitationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "InvitationRevokeResult": [
      "InvitationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "LicenseCreateResult": [
      "LicensePayload",
      "ValidationError"
    ],
    "LoginResult": [
      "AuthPayload",
      "InvalidCredentialsError",
      "LoginThrottledError",
      "ValidationError"
    ],
    "LogoutResult": [
      "InvalidTokenError",
      "OkPayload"
    ],
    "Node": [
      "Account",
      "Application",
      "AuditEvent",
      "Company",
      "Device",
      "Invitation",
      "LedgerEntry",
      "License",
      "User"
    ],
    "PasswordChangeResult": [
      "AuthPayload",
      "ValidationError"
    ],
    "PasswordResetRequestResult": [
      "OkPayload",
      "ValidationError"
    ],
    "PasswordResetResult": [
      "InvalidTokenError",
      "OkPayload",
      "ValidationError"
    ],
    "ProfileUpdateResult": [
      "UserPayload",
      "ValidationError"
    ],
    "TokenRefreshResult": [
      "AuthPayload",
      "InvalidTokenError"
    ],
    "UserChangeRoleResult": [
      "NotFoundError",
      "UserPayload",
      "ValidationError"
    ],
    "UserDeactivateResult": [
      "NotFoundError",
      "UserPayload",
      "ValidationError"
    ],
    "UserInviteResult": [
      "ConflictError",
      "InvitationPayload",
      "NotFoundError",
      "ValidationError"
    ],
    "UserReactivateResult": [
      "NotFoundError",
      "UserPayload",
      "ValidationError"
    ]
  }
};
      export default result;
    