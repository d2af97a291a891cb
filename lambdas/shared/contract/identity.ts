/** Identity used until authentication lands (DESIGN.md section 4): every component uses exactly these. */
export const ANONYMOUS_USER_ID = 'anonymous';
export const DEFAULT_ORG_ID = 'default';
