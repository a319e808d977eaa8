#!/usr/bin/env bash
# Seed 004 (Workflow Management API usage guide), "Common Workflows", Workflow 3: Update Workflow Version:
# the guide's script, copied verbatim below the marker line.
#
# test/compat/seed-004-scripts.test.ts runs it for real (bash + curl + jq) against a test server
# after making these substitutions, and only these, in the text below the marker:
#   http://localhost:8000 -> the test server's URL
#   WORKFLOW_ID="456e7890-..." -> WORKFLOW_ID from the environment: a workflow the test prepared
# Run by hand, unchanged, it talks to http://localhost:8000 as the guide says.
# ---- seed 004 text below ----
# Step 1: Get current workflow
WORKFLOW_ID="456e7890-e89b-12d3-a456-426614174000"
echo "Current workflow:"
curl -s http://localhost:8000/api/v1/workflows/$WORKFLOW_ID | jq '{name, version, status}'

# Step 2: Update workflow (increments version)
echo "Updating workflow..."
curl -X PUT http://localhost:8000/api/v1/workflows/$WORKFLOW_ID \
  -H "Content-Type: application/json" \
  -d '{
    "description": "Updated ETL pipeline with validation step",
    "steps": {
      "extract": {
        "id": "extract",
        "agent_name": "DataExtractorAgent",
        "next_step": "validate",
        "input_mapping": {
          "source": "${workflow.input.source}"
        }
      },
      "validate": {
        "id": "validate",
        "agent_name": "DataValidatorAgent",
        "next_step": "transform",
        "input_mapping": {
          "data": "${extract.output.data}"
        }
      },
      "transform": {
        "id": "transform",
        "agent_name": "DataTransformerAgent",
        "next_step": null,
        "input_mapping": {
          "data": "${validate.output.validated_data}"
        }
      }
    }
  }' | jq '{name, version, status}'

# Step 3: View all versions
echo "All versions:"
curl -s "http://localhost:8000/api/v1/workflows/$WORKFLOW_ID/versions" \
  | jq '.items[] | {version, status, created_at}'
