/**
 * Which database a connection URL names, from its scheme alone. Pure and
 * light: the CLI's refusal paths and the safety rule read it without loading
 * a driver.
 */

/** True for a MySQL/MariaDB URL (`mysql://`, `mariadb://`, any case); anything else is taken for PostgreSQL. */
export const isMysqlUrl = (url: string): boolean => /^(mysql|mariadb):\/\//i.test(url);
