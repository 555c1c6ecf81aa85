"""The asyncio provisioning client: ``await client.register()`` never blocks the event loop.
Cancelling the awaiting task tears the native registration down."""

from __future__ import annotations

import asyncio
from typing import Optional

from ..errors import OperationTimeout
from . import client as _sync
from .models import RegistrationResult


class ProvisioningDeviceClient(_sync.ProvisioningDeviceClient):
    async def register(self) -> RegistrationResult:  # type: ignore[override]
        loop = asyncio.get_running_loop()
        future: "asyncio.Future[int]" = loop.create_future()

        def settle(result: int) -> None:
            if not future.done():  # it may have been cancelled meanwhile
                future.set_result(result)

        def on_done(result: int, hub: Optional[str], device_id: Optional[str]) -> None:
            # on the C worker thread: hand over to the loop, never touch the future here
            loop.call_soon_threadsafe(settle, result)

        self._start(on_done)
        try:
            result = await asyncio.wait_for(future, self._timeout + _sync._MARGIN_S)
        except asyncio.TimeoutError:
            await self.shutdown_async()
            raise OperationTimeout("no answer from the client within the timeout") from None
        except asyncio.CancelledError:
            await self.shutdown_async()
            raise
        return self._outcome(result)

    async def shutdown_async(self) -> None:
        """Close without blocking the loop (Destroy joins the C worker thread)."""
        await asyncio.get_running_loop().run_in_executor(None, self.close)


__all__ = ["ProvisioningDeviceClient"]
