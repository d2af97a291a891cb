/** Identity used until authentication lands (DESIGN.md section 4): every component uses exactly these. */
export const ANONYMOUS_USER_ID = 'anonymous';
export const DEFAULT_ORG_ID = 'default';
/** Who deployed an org's tool, once that user's data was erased (the tool stays with its org). */
export const ERASED_USER_ID = 'erased-user';
