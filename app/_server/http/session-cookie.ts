/** The session cookie's name, in a module of its own so the request proxy imports nothing else. */
export const SESSION_COOKIE = "spark_session";
