"""The contract: spec/ read as data (errors, clauses, ambiguities, enums, schemas, OpenAPI)."""
from b24conform.contract.loader import Contract, ContractError, load_contract
from b24conform.contract.model import Ambiguity, Clause, Enum, ErrorEntry

__all__ = ["Ambiguity", "Clause", "Contract", "ContractError", "Enum", "ErrorEntry", "load_contract"]
