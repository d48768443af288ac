"""The channels step: after the emails of a trigger, the same notice to the customer's chat channels and webhooks.

It posts what the email step decided for this customer (``context.plan``), under the ledger key of the email, so a
redelivered trigger posts only to the channels the ledger lacks. A reminder posts the same way from the clock's
work (:mod:`ccm.backend.clock_work`).
"""

from __future__ import annotations

from ccm.backend.steps import TriggerContext
from ccm.channels.delivery import ChannelPoster
from ccm.channels.message import MessageBuilder
from ccm.mail.decisions import EmailEvent
from ccm.storage.ledger import DeliveryKey

CHANNELS_STEP = "channels"


class ChannelStep:
    name = CHANNELS_STEP

    def __init__(self, poster: ChannelPoster, messages: MessageBuilder) -> None:
        self.poster = poster
        self.messages = messages

    def run(self, context: TriggerContext) -> None:
        notice = context.plan.notice if context.plan is not None else None
        if notice is None:
            return
        self.post(
            context,
            notice.event,
            DeliveryKey(context.obj.id, context.obj.version, notice.event.value, context.customer.customer_code),
        )

    def post(self, context: TriggerContext, event: EmailEvent, key: DeliveryKey) -> None:
        customer = context.customer
        if not any(event.value in channel.events for channel in customer.channels):
            return
        message = self.messages.build(context.obj, event, customer.customer_code)
        self.poster.post_event(key, customer, message, deadline=context.deadline, counts=context.counts)
