import ky from 'ky';

// What the app does with or without the library: one ky instance for its API. (Only options
// that ky 1 and ky 2 share: ky 2 renamed `prefixUrl`.)
export const base = ky.create({ timeout: 10_000, retry: 1 });
export const ME = 'https://api.example.com/me';
