import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ready } from "./i18n/index.js";
import { SessionProvider } from "./session.js";
import { App } from "./app.js";
import "./styles.css";

await ready;
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <SessionProvider>
      <App />
    </SessionProvider>
  </StrictMode>,
);
