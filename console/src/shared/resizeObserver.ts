// Every browser the console supports has ResizeObserver: Ant Design's polyfill is not shipped.
export default globalThis.ResizeObserver;
