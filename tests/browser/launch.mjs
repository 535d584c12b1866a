// The options every browser test launches Chromium with (chromium.launch(launchOptions)):
// Debian's /usr/bin/chromium, installed by scripts/install-deps.sh (playwright-core brings no
// browser of its own and must not fetch one), headless, without the sandbox (we run as root),
// and with nothing trying to reach the outside: the background-networking flags stop the
// update, sync and account services, and the resolver rule answers every hostname but localhost
// and 127.0.0.1 with "not found" without a DNS query (even with those flags Chromium otherwise
// looks up clients2.google.com, update.googleapis.com and accounts.google.com at every start).
// Serve test pages on 127.0.0.1 or localhost. playwright-core adds --headless,
// --disable-dev-shm-usage and a fresh --user-data-dir of its own to every launch, and removes
// that profile on close.
export const launchOptions = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
  ],
};
