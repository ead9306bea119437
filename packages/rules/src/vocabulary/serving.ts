/**
 * Web and model-serving frameworks: which objects are apps, which decorators make a request handler, which
 * callables frameworks call per request.
 */

/** Constructors of app/router objects whose route decorators make handlers. */
export const APP_FACTORIES: ReadonlyMap<string, string> = new Map([
  ['flask.Flask', 'Flask'],
  ['flask.Blueprint', 'Flask'],
  ['quart.Quart', 'Quart'],
  ['quart.Blueprint', 'Quart'],
  ['fastapi.FastAPI', 'FastAPI'],
  ['fastapi.APIRouter', 'FastAPI'],
  ['fastapi.routing.APIRouter', 'FastAPI'],
  ['starlette.applications.Starlette', 'Starlette'],
  ['starlette.routing.Router', 'Starlette'],
  ['sanic.Sanic', 'Sanic'],
  ['sanic.Blueprint', 'Sanic'],
  ['litestar.Litestar', 'Litestar'],
  ['bentoml.Service', 'BentoML'],
  ['aiohttp.web.RouteTableDef', 'aiohttp'],
  ['chalice.Chalice', 'Chalice'],
]);

/** Methods of an app/router object that register a route when used as a decorator. */
export const ROUTE_DECORATOR_METHODS: ReadonlySet<string> = new Set([
  'route',
  'get',
  'post',
  'put',
  'patch',
  'delete',
  'head',
  'options',
  'api_route',
  'websocket',
  'websocket_route',
  'api',
  'view',
]);

/** Decorators (qualified) that make a function a handler by themselves. */
export const HANDLER_DECORATORS: ReadonlyMap<string, string> = new Map([
  ['bentoml.api', 'BentoML'],
  ['rest_framework.decorators.api_view', 'Django REST framework'],
  ['litestar.get', 'Litestar'],
  ['litestar.post', 'Litestar'],
  ['litestar.put', 'Litestar'],
  ['litestar.delete', 'Litestar'],
  ['modal.web_endpoint', 'Modal'],
  ['modal.fastapi_endpoint', 'Modal'],
  ['functions_framework.http', 'Cloud Functions'],
]);

/** Class decorators whose `__call__` serves requests. */
export const DEPLOYMENT_CLASS_DECORATORS: ReadonlyMap<string, string> = new Map([
  ['ray.serve.deployment', 'Ray Serve'],
  ['ray.serve.ingress', 'Ray Serve'],
  ['bentoml.service', 'BentoML'],
]);

/** Base classes whose methods serve requests, with the methods that do. */
export const HANDLER_BASE_CLASSES: ReadonlyMap<string, { framework: string; methods: ReadonlySet<string> }> = new Map([
  ['ts.torch_handler.base_handler.BaseHandler', { framework: 'TorchServe', methods: new Set(['handle', 'inference', 'preprocess', 'postprocess']) }],
  ['django.views.View', { framework: 'Django', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'dispatch']) }],
  ['django.views.generic.View', { framework: 'Django', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'dispatch']) }],
  ['django.views.generic.base.View', { framework: 'Django', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'dispatch']) }],
  ['rest_framework.views.APIView', { framework: 'Django REST framework', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) }],
  ['rest_framework.generics.GenericAPIView', { framework: 'Django REST framework', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) }],
  ['kserve.Model', { framework: 'KServe', methods: new Set(['predict', 'preprocess', 'postprocess']) }],
  ['mlserver.MLModel', { framework: 'MLServer', methods: new Set(['predict']) }],
  ['tornado.web.RequestHandler', { framework: 'Tornado', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) }],
]);

/** SageMaker inference toolkit entry points called per request (`model_fn` is the load-once hook, so not listed). */
export const SAGEMAKER_REQUEST_FUNCTIONS: ReadonlySet<string> = new Set(['input_fn', 'predict_fn', 'output_fn', 'transform_fn']);

/** Function names AWS Lambda handlers commonly use; any `def f(event, context)` also counts. */
export const LAMBDA_PARAMS: readonly [string, string] = ['event', 'context'];

/** Callables that register a per-request callback passed as `fn=` or first argument (Gradio, Streamlit). */
export const CALLBACK_REGISTRARS: ReadonlyMap<string, { framework: string; positional: number | null; keywords: readonly string[] }> = new Map([
  ['gradio.Interface', { framework: 'Gradio', positional: 0, keywords: ['fn'] }],
  ['gradio.ChatInterface', { framework: 'Gradio', positional: 0, keywords: ['fn'] }],
  ['gradio.TabbedInterface', { framework: 'Gradio', positional: null, keywords: [] }],
]);

/** Event methods of Gradio components/Blocks and Streamlit widgets that take a callback. */
export const CALLBACK_EVENT_METHODS: ReadonlySet<string> = new Set([
  'click',
  'submit',
  'change',
  'input',
  'upload',
  'select',
  'load',
  'then',
  'success',
  'release',
  'stream',
]);

/** Streamlit widgets: callbacks passed as `on_click=` / `on_change=`, and the script itself runs per interaction. */
export const STREAMLIT_CALLBACK_KEYWORDS: readonly string[] = ['on_click', 'on_change', 'on_submit'];

/** Route paths that serve predictions (ML103). */
export const PREDICT_PATH = /(?:^|\/)(?:predict\w*|prediction\w*|inference|infer|invocations|score|scoring|classify|classification|generate|completions?|embed\w*|detect\w*|recogni[sz]e|transcribe|translate|summari[sz]e|chat|forecast|recommend\w*|v\d+\/models\/[^/]+(?::predict|\/infer))(?:\/|$|\{|:|\?)/i;

/** Route paths of health probes (ML102). */
export const HEALTH_PATHS: ReadonlySet<string> = new Set(['/health', '/healthz', '/ready', '/readyz', '/livez', '/ping', '/health/', '/healthz/', '/ready/', '/readyz/', '/livez/', '/ping/']);

/** More app/router constructors whose route decorators make handlers (added for handler detection). */
export const MORE_APP_FACTORIES: ReadonlyMap<string, string> = new Map([
  ['ninja.NinjaAPI', 'Django Ninja'],
  ['ninja.Router', 'Django Ninja'],
  ['azure.functions.FunctionApp', 'Azure Functions'],
  ['azure.functions.Blueprint', 'Azure Functions'],
  ['bottle.Bottle', 'Bottle'],
  ['flask_restx.Namespace', 'Flask'],
  ['flask_smorest.Blueprint', 'Flask'],
  ['apiflask.APIFlask', 'Flask'],
  ['apiflask.APIBlueprint', 'Flask'],
  ['robyn.Robyn', 'Robyn'],
]);

/** Methods of an app object that register a per-request hook when used as a decorator (no path argument). */
export const REQUEST_HOOK_DECORATOR_METHODS: ReadonlySet<string> = new Set(['before_request', 'middleware']);

/** Base classes (qualified prefixes, matched as `prefix.*`) whose subclasses' methods serve requests. */
export const HANDLER_BASE_CLASS_PREFIXES: ReadonlyArray<{ prefix: string; framework: string; methods: ReadonlySet<string> }> = [
  { prefix: 'ts.torch_handler', framework: 'TorchServe', methods: new Set(['handle', 'inference', 'preprocess', 'postprocess']) },
  { prefix: 'django.views', framework: 'Django', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'dispatch', 'form_valid', 'get_context_data']) },
  { prefix: 'rest_framework.views', framework: 'Django REST framework', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
  { prefix: 'rest_framework.generics', framework: 'Django REST framework', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'create', 'perform_create', 'list', 'retrieve']) },
  {
    prefix: 'rest_framework.viewsets',
    framework: 'Django REST framework',
    methods: new Set(['list', 'create', 'retrieve', 'update', 'partial_update', 'destroy', 'perform_create']),
  },
  { prefix: 'flask.views', framework: 'Flask', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'dispatch_request']) },
  { prefix: 'tornado.web', framework: 'Tornado', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
  { prefix: 'kserve', framework: 'KServe', methods: new Set(['predict', 'preprocess', 'postprocess']) },
  { prefix: 'mlserver', framework: 'MLServer', methods: new Set(['predict']) },
  { prefix: 'cog', framework: 'Cog', methods: new Set(['predict']) },
  { prefix: 'flask_restful', framework: 'Flask', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
  { prefix: 'flask_restx', framework: 'Flask', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
  { prefix: 'flask_restplus', framework: 'Flask', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
  { prefix: 'starlette.endpoints', framework: 'Starlette', methods: new Set(['get', 'post', 'put', 'patch', 'delete', 'on_receive']) },
  { prefix: 'sanic.views', framework: 'Sanic', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
  { prefix: 'aiohttp.web', framework: 'aiohttp', methods: new Set(['get', 'post', 'put', 'patch', 'delete']) },
];

/** Class names that serving runtimes instantiate by convention, with their per-request methods. */
export const CONVENTIONAL_HANDLER_CLASSES: ReadonlyMap<string, { framework: string; methods: ReadonlySet<string> }> = new Map([
  ['TritonPythonModel', { framework: 'Triton Python backend', methods: new Set(['execute']) }],
]);

/** Decorators of Django function views (a decorated function whose first parameter is `request` is a view). */
export const DJANGO_VIEW_DECORATORS: ReadonlySet<string> = new Set([
  'django.views.decorators.csrf.csrf_exempt',
  'django.views.decorators.http.require_POST',
  'django.views.decorators.http.require_GET',
  'django.views.decorators.http.require_safe',
  'django.views.decorators.http.require_http_methods',
  'django.contrib.auth.decorators.login_required',
]);

/** Decorators that memoise a function, so its body runs once per distinct arguments, not once per call. */
export const CACHE_DECORATORS: ReadonlySet<string> = new Set([
  'functools.lru_cache',
  'functools.cache',
  'functools.cached_property',
  'cachetools.cached',
  'cachetools.func.lru_cache',
  'cachetools.func.ttl_cache',
  'cachetools.func.lfu_cache',
  'streamlit.cache_resource',
  'streamlit.cache_data',
  'streamlit.cache',
  'streamlit.experimental_singleton',
  'streamlit.experimental_memo',
  'async_lru.alru_cache',
  'aiocache.cached',
  'methodtools.lru_cache',
  // Ray Serve model multiplexing: keeps the last `max_num_models_per_replica` loaded models of a replica (an LRU).
  'ray.serve.multiplexed',
]);

/** Last name of a decorator that memoises, when the decorator is not resolved to a known module (`@cache`, `@memory.cache`). */
export const CACHE_DECORATOR_NAMES: ReadonlySet<string> = new Set([
  'lru_cache',
  'cache',
  'cached',
  'cached_property',
  'memoize',
  'memoized',
  'alru_cache',
  'ttl_cache',
  'lfu_cache',
  'cache_resource',
  'singleton',
]);
