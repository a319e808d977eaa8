// wink-lemmatizer and wink-porter2-stemmer ship no type declarations; these are the parts the parser uses.
declare module 'wink-lemmatizer' {
  /** Base form of a verb ("sent" → "send"); the word itself when it knows no other. */
  export function verb(word: string): string;
  /** Singular of a noun ("replies" → "reply"); the word itself when it knows no other. */
  export function noun(word: string): string;
  /** Positive form of an adjective. */
  export function adjective(word: string): string;
}

declare module 'wink-porter2-stemmer' {
  /** The Porter2 (Snowball English) stem of a lowercase word. */
  function stem(word: string): string;
  export default stem;
}
