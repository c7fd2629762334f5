/**
 * The faker methods and locales a scenario may name, so scenarios are validated
 * at load without importing faker (~0.4 s). Generated from the installed
 * @faker-js/faker; test/data/faker-methods.test.ts fails when it drifts.
 * Regenerate: UPDATE_FAKER_METHODS=1 npx vitest run test/data/faker-methods.test.ts
 */

/** Module → method names (e.g. `person` → `fullName`). */
export const FAKER_METHODS: Record<string, readonly string[]> = {
  airline: ['aircraftType', 'airline', 'airplane', 'airport', 'flightNumber', 'recordLocator', 'seat'],
  animal: ['bear', 'bird', 'cat', 'cetacean', 'cow', 'crocodilia', 'dog', 'fish', 'horse', 'insect', 'lion', 'petName', 'rabbit', 'rodent', 'snake', 'type'],
  book: ['author', 'format', 'genre', 'publisher', 'series', 'title'],
  color: ['cmyk', 'colorByCSSColorSpace', 'cssSupportedFunction', 'cssSupportedSpace', 'hsl', 'human', 'hwb', 'lab', 'lch', 'rgb', 'space'],
  commerce: ['department', 'isbn', 'price', 'product', 'productAdjective', 'productDescription', 'productMaterial', 'productName', 'upc'],
  company: ['buzzAdjective', 'buzzNoun', 'buzzPhrase', 'buzzVerb', 'catchPhrase', 'catchPhraseAdjective', 'catchPhraseDescriptor', 'catchPhraseNoun', 'name'],
  database: ['collation', 'column', 'engine', 'mongodbObjectId', 'type'],
  datatype: ['boolean'],
  date: ['anytime', 'between', 'betweens', 'birthdate', 'future', 'month', 'past', 'recent', 'soon', 'timeZone', 'weekday'],
  finance: ['accountName', 'accountNumber', 'amount', 'bic', 'bitcoinAddress', 'creditCardCVV', 'creditCardIssuer', 'creditCardNumber', 'currency', 'currencyCode', 'currencyName', 'currencyNumericCode', 'currencySymbol', 'ethereumAddress', 'iban', 'litecoinAddress', 'pin', 'routingNumber', 'transactionDescription', 'transactionType'],
  food: ['adjective', 'description', 'dish', 'ethnicCategory', 'fruit', 'ingredient', 'meat', 'spice', 'vegetable'],
  git: ['branch', 'commitDate', 'commitEntry', 'commitMessage', 'commitSha'],
  hacker: ['abbreviation', 'adjective', 'ingverb', 'noun', 'phrase', 'verb'],
  helpers: ['arrayElement', 'arrayElements', 'enumValue', 'fake', 'fromRegExp', 'maybe', 'multiple', 'mustache', 'objectEntry', 'objectKey', 'objectValue', 'rangeToNumber', 'replaceCreditCardSymbols', 'replaceSymbols', 'shuffle', 'slugify', 'uniqueArray', 'weightedArrayElement'],
  image: ['avatar', 'avatarGitHub', 'dataUri', 'personPortrait', 'url', 'urlLoremFlickr', 'urlPicsumPhotos'],
  internet: ['displayName', 'domainName', 'domainSuffix', 'domainWord', 'email', 'emoji', 'exampleEmail', 'httpMethod', 'httpStatusCode', 'ip', 'ipv4', 'ipv6', 'jwt', 'jwtAlgorithm', 'mac', 'password', 'port', 'protocol', 'url', 'userAgent', 'username'],
  location: ['buildingNumber', 'cardinalDirection', 'city', 'continent', 'country', 'countryCode', 'county', 'direction', 'language', 'latitude', 'longitude', 'nearbyGPSCoordinate', 'ordinalDirection', 'postalAddress', 'secondaryAddress', 'state', 'street', 'streetAddress', 'timeZone', 'zipCode'],
  lorem: ['lines', 'paragraph', 'paragraphs', 'sentence', 'sentences', 'slug', 'text', 'word', 'words'],
  music: ['album', 'artist', 'genre', 'songName'],
  number: ['bigInt', 'binary', 'float', 'hex', 'int', 'octal', 'romanNumeral'],
  person: ['bio', 'firstName', 'fullName', 'gender', 'jobArea', 'jobDescriptor', 'jobTitle', 'jobType', 'lastName', 'middleName', 'prefix', 'sex', 'sexType', 'suffix', 'zodiacSign'],
  phone: ['imei', 'number'],
  science: ['chemicalElement', 'unit'],
  string: ['alpha', 'alphanumeric', 'binary', 'fromCharacters', 'hexadecimal', 'nanoid', 'numeric', 'octal', 'sample', 'symbol', 'ulid', 'uuid'],
  system: ['commonFileExt', 'commonFileName', 'commonFileType', 'cron', 'directoryPath', 'fileExt', 'fileName', 'filePath', 'fileType', 'mimeType', 'networkInterface', 'semver'],
  vehicle: ['bicycle', 'color', 'fuel', 'manufacturer', 'model', 'type', 'vehicle', 'vin', 'vrm'],
  word: ['adjective', 'adverb', 'conjunction', 'interjection', 'noun', 'preposition', 'sample', 'verb', 'words'],
};

/** Locales (`@faker-js/faker/locale/NAME`). */
export const FAKER_LOCALES: readonly string[] = ['af_ZA', 'ar', 'az', 'bn_BD', 'cs_CZ', 'cy', 'da', 'de', 'de_AT', 'de_CH', 'dv', 'el', 'en', 'en_AU', 'en_AU_ocker', 'en_BORK', 'en_CA', 'en_GB', 'en_GH', 'en_HK', 'en_IE', 'en_IN', 'en_NG', 'en_NP', 'en_US', 'en_ZA', 'eo', 'es', 'es_MX', 'fa', 'fi', 'fr', 'fr_BE', 'fr_CA', 'fr_CH', 'fr_LU', 'fr_SN', 'he', 'hr', 'hu', 'hy', 'id_ID', 'it', 'ja', 'ka_GE', 'ko', 'ku_ckb', 'ku_kmr_latin', 'lv', 'mk', 'mn_MN_cyrl', 'nb_NO', 'ne', 'nl', 'nl_BE', 'pl', 'pt_BR', 'pt_PT', 'ro', 'ro_MD', 'ru', 'sk', 'sl_SI', 'sr_RS_latin', 'sv', 'ta_IN', 'th', 'tr', 'uk', 'ur', 'uz_UZ_latin', 'vi', 'yo_NG', 'zh_CN', 'zh_TW', 'zu_ZA'];
