// Trunk's initializer for the app's wasm: while a phone on 3G downloads and compiles it, the
// start screen in index.html says so and how far it got; if it cannot load, it says why and
// offers to try again (never a blank page). The app removes the start screen when it mounts.
const TEXT = {
  es: {
    tagline: 'Los documentos de la red, escritos entre todas, con o sin señal.',
    opening: 'Abriendo Juntas…',
    hint: 'La primera vez en un teléfono puede tardar unos segundos; después abre también sin señal.',
    progress: (p) => `Descargando la app: ${p} %`,
    compiling: 'Preparando la app…',
    failed: 'No se pudo abrir Juntas. Revisa la señal y vuelve a intentarlo; lo que escribiste sigue guardado en este dispositivo.',
    retry: 'Volver a intentar',
  },
  en: {
    tagline: "The network's documents, written together, with or without signal.",
    opening: 'Opening Juntas…',
    hint: 'The first time on a phone it can take a few seconds; after that it also opens with no signal.',
    progress: (p) => `Downloading the app: ${p} %`,
    compiling: 'Getting the app ready…',
    failed: 'Juntas could not open. Check the signal and try again; what you wrote is still kept on this device.',
    retry: 'Try again',
  },
};

function language() {
  try {
    return JSON.parse(localStorage.getItem('juntas.language')) === 'en' ? 'en' : 'es';
  } catch {
    return 'es';
  }
}

/** On an invite link, index.html's first script leaves the documents' part to be asked for
 * once the main part is in (xtask/src/split.rs): here, as its last byte arrives (or, failing
 * a size to tell by, once it has started), before it is compiled and asks for it itself. */
function afterMain() {
  const go = window.__juntasAfterMain;
  window.__juntasAfterMain = undefined;
  go?.();
}

export default function initializer() {
  const t = TEXT[language()];
  const $ = (id) => document.getElementById(id);
  let shown = -1;
  return {
    onStart: () => {
      if (t === TEXT.en) document.documentElement.lang = 'en';
      $('boot-tagline').textContent = t.tagline;
      $('boot-title').textContent = t.opening;
      $('boot-hint').textContent = t.hint;
    },
    onProgress: ({ current, total }) => {
      if (total > 0 && current >= total) afterMain();
      const bar = $('boot-progress');
      if (!bar || !(total > 0)) return;
      const p = Math.min(100, Math.floor((current / total) * 100));
      if (p === shown) return;
      shown = p;
      bar.value = p;
      $('boot-state').textContent = p < 100 ? t.progress(p) : t.compiling;
    },
    onComplete: afterMain,
    onSuccess: () => {},
    onFailure: (error) => {
      const boot = $('boot');
      if (boot) {
        $('boot-state').textContent = '';
        $('boot-progress')?.remove();
        const alert = $('boot-error');
        alert.textContent = t.failed;
        alert.hidden = false;
        const retry = $('boot-retry');
        retry.textContent = t.retry;
        retry.hidden = false;
        retry.onclick = () => location.reload();
      }
      console.error('Juntas could not start', error);
    },
  };
}
