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
