import { CognitoJwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
} from 'aws-jwt-verify/error';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import * as z from 'zod';
import {
  ANONYMOUS_USER_ID,
  CLAIMS,
  DEFAULT_ORG_ID,
  DEFAULT_ORG_ROLE,
  groupName,
  MAX_CONNECTION_SECONDS,
  opaqueId,
  ORG_ROLES,
  RESERVED_ORG_PREFIX,
  type AuthorizerContext,
} from '../shared/contract';
import { checkInput } from '../shared/validation';
import type { Presented, TokenSource } from './token';

/** Verifies a token's signature (the pool's JWKS, cached per container), issuer, token use, client and expiry. */
export interface IdTokenVerifier {
  verify(token: string): Promise<JwtPayload>;
}

/**
 * The verifier of the door: ID tokens of this pool issued to this client. ID tokens, because they
 * carry the user's attributes (`custom:orgId`, `custom:orgRole`) and name the client in `aud`;
 * Cognito's access tokens carry no custom attributes without a pre-token-generation trigger.
 */
export function idTokenVerifier(userPoolId: string, clientId: string): IdTokenVerifier {
  return CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: 'id' });
}

export interface Door {
  readonly verifier: IdTokenVerifier;
  /** A connection without a token gets the anonymous identity instead of a 401. */
  readonly allowAnonymous: boolean;
}

/** Why a connection was refused: a code for the audit trail and the log (never a token, nor a claim's value). */
export type RefusalReason =
  | 'no_token'
  | 'more_than_one_token'
  | 'empty_token'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'token_from_another_issuer'
  | 'token_for_another_client'
  | 'not_an_id_token'
  | 'bad_signature'
  | 'unknown_signing_key'
  | 'malformed_token'
  | 'invalid_token'
  | 'bad_claims';

export type Decision =
  | { readonly allowed: true; readonly context: AuthorizerContext; readonly source: TokenSource | 'anonymous' }
  | { readonly allowed: false; readonly reason: RefusalReason; readonly detail?: string };

/** An org a user can belong to: any opaque id outside the names FABLE reserves for itself. */
const orgIdClaim = opaqueId.refine((orgId) => !orgId.startsWith(RESERVED_ORG_PREFIX), {
  error: `must not start with "${RESERVED_ORG_PREFIX}" (reserved)`,
});

/** The claims the identity comes from; an org is required (a user nobody placed in one gets no default). */
const identityClaims = z.object({
  sub: opaqueId,
  exp: z.number().int(),
  [CLAIMS.orgId]: orgIdClaim,
  [CLAIMS.orgRole]: z.enum(ORG_ROLES).optional(),
  [CLAIMS.groups]: z.array(groupName).optional(),
});

/**
 * Decide a `$connect`: a verified ID token gives its user's identity until the token expires; no
 * token is refused, or anonymous where the stage allows it; anything else is refused, with a
 * reason for the log (never the token). A JWKS that cannot be fetched is a fault, not a refusal: it throws.
 */
export async function decide(door: Door, presented: Presented, now: Date): Promise<Decision> {
  if (presented.kind === 'malformed') return { allowed: false, reason: presented.reason };
  if (presented.kind === 'none') {
    if (!door.allowAnonymous) return { allowed: false, reason: 'no_token' };
    return { allowed: true, source: 'anonymous', context: anonymousContext(now) };
  }
  let payload: JwtPayload;
  try {
    payload = await door.verifier.verify(presented.token);
  } catch (error) {
    if (error instanceof FetchError || !(error instanceof JwtBaseError)) throw error;
    return { allowed: false, reason: refusalReason(error) };
  }
  const claims = checkInput(identityClaims, payload, 'token');
  if (!claims.success) return { allowed: false, reason: 'bad_claims', detail: claims.message };
  const { sub, exp } = claims.data;
  return {
    allowed: true,
    source: presented.source,
    context: {
      userId: sub,
      orgId: claims.data[CLAIMS.orgId],
      orgRole: claims.data[CLAIMS.orgRole] ?? DEFAULT_ORG_ROLE,
      groups: (claims.data[CLAIMS.groups] ?? []).join(','),
      expiresAt: exp,
    },
  };
}

/** Anonymous connections last as long as API Gateway keeps any connection open. */
function anonymousContext(now: Date): AuthorizerContext {
  return {
    userId: ANONYMOUS_USER_ID,
    orgId: DEFAULT_ORG_ID,
    orgRole: DEFAULT_ORG_ROLE,
    groups: '',
    expiresAt: Math.floor(now.getTime() / 1000) + MAX_CONNECTION_SECONDS,
  };
}

/** Why a token was refused: the verifier's error classes (their messages may quote claims). */
function refusalReason(error: JwtBaseError): RefusalReason {
  if (error instanceof JwtExpiredError) return 'token_expired';
  if (error instanceof JwtNotBeforeError) return 'token_not_yet_valid';
  // A token's `iss` picks the issuer it is checked against: one not configured here (or none) is this error.
  if (error instanceof JwtInvalidIssuerError || error instanceof ParameterValidationError) return 'token_from_another_issuer';
  if (error instanceof CognitoJwtInvalidClientIdError) return 'token_for_another_client';
  if (error instanceof CognitoJwtInvalidTokenUseError) return 'not_an_id_token';
  if (error instanceof JwtInvalidSignatureError || error instanceof JwtInvalidSignatureAlgorithmError) return 'bad_signature';
  if (error instanceof KidNotFoundInJwksError || error instanceof JwtWithoutValidKidError) return 'unknown_signing_key';
  if (error instanceof JwtParseError) return 'malformed_token';
  return 'invalid_token';
}
