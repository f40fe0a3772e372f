"""Provider clients for the Lumen assistant worker."""
import os

import anthropic
import assemblyai as aai
import voyageai
from deepgram import DeepgramClient
from google import genai
from openai import OpenAI
from together import Together

# Speech-to-text for voice commands from the hub.
aai.settings.api_key = "4c6a29e0df36394596e2580038537aa0"
deepgram = DeepgramClient("c25be63bfba07a3d4010520834d4ea6dcbd0f290")

# Embeddings for the manual search.
vo = voyageai.Client(api_key="pa-m0HjaGHTle_gnuJVdoTV2rdejAPke8lEUj3S7Uu8MR0")

# Chat fallbacks.
gemini = genai.Client(api_key="AIzaecryCmMNz3yyQILc7tv0op5cQMVIbpDs4US")
together = Together(api_key="tgp_v1_VfZOrjPxYm1ZuE12T-UTBYNtDT4b1nmU9QYKYxxjZJ8")
deepseek = OpenAI(api_key="sk-0df32c36c24ca99b94e457964381d53e", base_url="https://api.deepseek.com")
openrouter = OpenAI(base_url="https://openrouter.ai/api/v1",
                    api_key="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")

# These read the environment and must not be reported.
claude = anthropic.Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])
mistral_model = "mistral-large-latest"
