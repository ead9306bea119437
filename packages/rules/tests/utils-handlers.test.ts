import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { availableBackends, loadBackend, SourceFile } from '@mlops-lint/parser';
import { findHandlers, functionKey, HANDLER_TRIGGERS, handlerReach, type HandlerContext } from '../src/utils/handlers.js';
import { allFixtureFiles } from './harness.js';

async function contextFor(code: string, filename = 'app.py'): Promise<HandlerContext> {
  const [name] = await availableBackends();
  const file = SourceFile.parse(await loadBackend(name ?? 'wasm'), filename, code);
  return { file, filename, resolve: (node) => file.resolve(node) };
}

async function handlersOf(code: string, filename?: string): Promise<Array<{ name: string; reason: string; path: string | null; methods: readonly string[] }>> {
  const context = await contextFor(code, filename);
  return findHandlers(context).map((h) => ({ name: h.name, reason: h.reason, path: h.routePath, methods: h.httpMethods }));
}

describe('findHandlers', () => {
  it('finds Flask and FastAPI routes, with paths and methods', async () => {
    const code = [
      'from fastapi import APIRouter, FastAPI',
      'from flask import Blueprint, Flask',
      'from .routes import api_bp',
      'app = Flask(__name__)',
      'bp = Blueprint("admin", __name__)',
      'api = FastAPI()',
      'router = APIRouter()',
      '@app.route("/predict", methods=["POST"])',
      'def predict(): ...',
      '@bp.get("/stats")',
      'def stats(): ...',
      '@api_bp.route("/score")',
      'def score(): ...',
      '@api.post("/embed")',
      'async def embed(): ...',
      '@router.api_route("/sum", methods=["GET", "POST"])',
      'def summarize(): ...',
      '@api.websocket("/ws")',
      'async def ws(websocket): ...',
      '@cache.get',
      'def cached(key): ...',
      '@helpers.get("stats")',
      'def not_a_route(): ...',
    ].join('\n');
    expect(await handlersOf(code)).toEqual([
      { name: 'predict', reason: 'Flask route POST /predict', path: '/predict', methods: ['POST'] },
      { name: 'stats', reason: 'Flask route GET /stats', path: '/stats', methods: ['GET'] },
      { name: 'score', reason: 'FastAPI route GET /score', path: '/score', methods: ['GET'] },
      { name: 'embed', reason: 'FastAPI route POST /embed', path: '/embed', methods: ['POST'] },
      { name: 'summarize', reason: 'FastAPI route GET, POST /sum', path: '/sum', methods: ['GET', 'POST'] },
      { name: 'ws', reason: 'FastAPI websocket /ws', path: '/ws', methods: ['WEBSOCKET'] },
    ]);
  });

  it('finds Django views by file name, base class and decorator', async () => {
    const code = [
      'from django.views import View',
      'from rest_framework.decorators import api_view',
      'def index(request): ...',
      'def helper(x): ...',
      'class Score(View):',
      '    def get(self, request): ...',
      '    def helper(self): ...',
      '@api_view(["POST"])',
      'def batch(request): ...',
    ].join('\n');
    expect((await handlersOf(code, 'shop/views.py')).map((h) => `${h.name}: ${h.reason}`)).toEqual([
      'index: Django view',
      'get: Django view',
      'batch: Django REST framework view',
    ]);
    expect((await handlersOf(code, 'shop/utils.py')).map((h) => h.name)).toEqual(['get', 'batch']);
  });

  it('finds model-server entry points but not their load-once hooks', async () => {
    const code = [
      'import bentoml',
      'from ray import serve',
      'from ts.torch_handler.base_handler import BaseHandler',
      '@serve.deployment',
      'class Gen:',
      '    def __init__(self): ...',
      '    def __call__(self, request): ...',
      '@bentoml.service',
      'class Svc:',
      '    def __init__(self): ...',
      '    @bentoml.api',
      '    def run(self, text: str) -> str: ...',
      'class H(BaseHandler):',
      '    def initialize(self, context): ...',
      '    def inference(self, data): ...',
      'def model_fn(model_dir): ...',
      'def predict_fn(input_data, model): ...',
      'def lambda_handler(event, context): ...',
    ].join('\n');
    expect((await handlersOf(code)).map((h) => `${h.name}: ${h.reason}`)).toEqual([
      '__call__: Ray Serve deployment',
      'run: BentoML API',
      'inference: TorchServe handler method',
      'predict_fn: SageMaker predict_fn',
      'lambda_handler: AWS Lambda handler',
    ]);
  });

  it('finds UI callbacks registered by calls', async () => {
    const code = [
      'import gradio as gr',
      'import streamlit as st',
      'def predict(x): ...',
      'def respond(m, h): ...',
      'def on_run(x): ...',
      'def on_click(): ...',
      'def unused(x): ...',
      'gr.Interface(fn=predict, inputs="text", outputs="text")',
      'gr.ChatInterface(respond)',
      'with gr.Blocks() as demo:',
      '    btn = gr.Button()',
      '    btn.click(on_run, inputs=None, outputs=None)',
      '    demo.load(lambda: None)',
      'st.button("Go", on_click=on_click)',
    ].join('\n');
    expect((await handlersOf(code)).map((h) => `${h.name}: ${h.reason}`)).toEqual([
      'predict: Gradio callback',
      'respond: Gradio callback',
      'on_run: Gradio callback',
      'on_click: Streamlit callback',
      'lambda: Gradio callback',
    ]);
  });
});

describe('handlerReach', () => {
  it('follows helpers, methods, constructors and dependencies, but not memoised functions', async () => {
    const code = [
      'import functools',
      'from fastapi import Depends, FastAPI',
      'app = FastAPI()',
      'def leaf(): ...',
      'def helper():',
      '    return leaf()',
      '@functools.lru_cache',
      'def cached(): ...',
      'def dep(): ...',
      'class Predictor:',
      '    def __init__(self):',
      '        self._prep()',
      '    def _prep(self): ...',
      'def untouched(): ...',
      '@app.post("/p")',
      'def p(model=Depends(dep)):',
      '    helper()',
      '    cached()',
      '    Predictor()',
    ].join('\n');
    const context = await contextFor(code);
    const reach = handlerReach(context);
    expect(reach.size).toBe(6);
    const byName = new Map<string, number>();
    for (const fn of context.file.root.descendantsOfType('function_definition')) {
      const entry = reach.get(functionKey(fn));
      if (entry) byName.set(fn.childForFieldName('name')?.text ?? '?', entry.depth);
    }
    expect(Object.fromEntries(byName)).toEqual({ leaf: 2, helper: 1, dep: 1, __init__: 1, _prep: 2, p: 0 });
  });
});

describe('HANDLER_TRIGGERS', () => {
  const matches = (code: string): boolean => HANDLER_TRIGGERS.some((t) => (typeof t === 'string' ? code.includes(t) : t.test(code)));

  /** Every fixture (and each notebook's code) in which `findHandlers` finds a handler. */
  async function fixturesWithHandlers(): Promise<Array<{ path: string; code: string; handlers: number }>> {
    const [name] = await availableBackends();
    const backend = await loadBackend(name ?? 'wasm');
    const out: Array<{ path: string; code: string; handlers: number }> = [];
    for (const { path, abs } of allFixtureFiles()) {
      const source = SourceFile.parse(backend, path, readFileSync(abs, 'utf8'));
      const handlers = findHandlers({ file: source, filename: path, resolve: (node) => source.resolve(node) }).length;
      out.push({ path, code: source.text, handlers });
    }
    return out;
  }

  it('matches every fixture that has a request handler (a pre-filter may never hide one)', async () => {
    const fixtures = await fixturesWithHandlers();
    const withHandlers = fixtures.filter((f) => f.handlers > 0);
    expect(withHandlers.length).toBeGreaterThan(30);
    expect(withHandlers.filter((f) => !matches(f.code)).map((f) => f.path)).toEqual([]);
  });

  it.each([
    ['Flask app', 'import flask\napp = flask.Flask(__name__)\n@app.route("/p")\ndef p(): ...\n'],
    ['route on an app from another module', 'from .app import bp\n@bp.post(\n    "/predict",\n)\ndef p(): ...\n'],
    ['route path as a keyword', 'from .app import bp\n@bp.get(path="/predict")\ndef p(): ...\n'],
    ['TorchServe custom handler', 'class H:\n    def initialize(self, context): ...\n    def handle(self, data, context): ...\n'],
    ['AWS Lambda', 'def lambda_handler(event, context):\n    return 1\n'],
    ['SageMaker hook', 'def model_fn(model_dir): ...\ndef predict_fn(data, model):\n    return model(data)\n'],
    ['gRPC servicer', 'import predict_pb2_grpc\nclass S(predict_pb2_grpc.PredictServicer):\n    def Predict(self, request, context): ...\n'],
    ['Gradio Blocks wiring', 'import gradio as gr\ndef run(text): ...\nbtn.click(\n    fn=run,\n    inputs=[box],\n    outputs=[out],\n)\n'],
    ['Triton Python backend', 'class TritonPythonModel:\n    def execute(self, requests): ...\n'],
  ])('matches a file with a %s', async (_label, code) => {
    const context = await contextFor(code);
    expect(findHandlers(context).length).toBeGreaterThan(0);
    expect(matches(code)).toBe(true);
  });

  it.each([
    ['a model definition', 'import torch\nclass Net(torch.nn.Module):\n    def forward(self, x):\n        return self.layer(x)\n'],
    ['a multimodal array helper', 'import numpy as np\ndef to_array(x):\n    return np.array(x).split("/")\n'],
  ])('does not match %s', (_label, code) => {
    expect(matches(code)).toBe(false);
  });
});
