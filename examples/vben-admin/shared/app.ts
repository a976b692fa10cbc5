// What the request client needs from the rest of a vben-style app: its toast, and the way it
// sends the user back to the login page ("login expired" dialog or the login route). The tests
// pass implementations that count.

export interface AppContext {
  /** `message.error(text)` of the UI library. */
  toastError(text: string): void;
  /** The user must sign in again: the "login expired" dialog, or logout and the login page. */
  reAuthenticate(): void;
}

/** The login answer of the backend (the envelope's `data`). */
export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}
