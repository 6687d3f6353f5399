"""HTTP only: blueprints, request and response schemas, authentication and problem documents."""
