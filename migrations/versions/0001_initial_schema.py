"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import models.base

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('retired_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    op.create_table('exchange_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payer_currency', sa.String(length=8), nullable=False),
    sa.Column('target_currency', sa.String(length=8), nullable=False),
    sa.Column('partner', sa.String(length=2000), nullable=False),
    sa.Column('num', sa.Integer(), nullable=False),
    sa.Column('den', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'active', 'suspended', 'retired', name='rulestatus', native_enum=False, length=16), nullable=False),
    sa.Column('valid_from', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('num > 0 AND den > 0', name=op.f('ck_exchange_rules_rate_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rules'))
    )
    with op.batch_alter_table('exchange_rules', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_rules_pair', ['payer_currency', 'target_currency', 'status'], unique=False)

    op.create_table('hosts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.String(length=300), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failure_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unavailable_since', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hosts')),
    sa.UniqueConstraint('authority', name=op.f('uq_hosts_authority'))
    )
    op.create_table('inbound_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('actor', sa.String(length=2000), nullable=False),
    sa.Column('signed_by', sa.String(length=2000), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False, length=16), nullable=False),
    sa.Column('run_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_activities')),
    sa.UniqueConstraint('uri', name=op.f('uq_inbound_activities_uri'))
    )
    with op.batch_alter_table('inbound_activities', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_activities_due', ['state', 'run_at'], unique=False)

    op.create_table('instance_settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_instance_settings'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=True),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('queued', 'running', 'done', 'failed', name='jobstate', native_enum=False, length=16), nullable=False),
    sa.Column('run_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_jobs_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['state', 'run_at'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=30), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('admin', 'moderator', 'member', name='role', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('pending', 'active', 'suspended', name='memberstatus', native_enum=False, length=16), nullable=False),
    sa.Column('manually_approves_followers', sa.Boolean(), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('application_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members')),
    sa.UniqueConstraint('username', name=op.f('uq_members_username'))
    )
    op.create_table('outbound_activities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('actor', sa.String(length=500), nullable=False),
    sa.Column('object_uri', sa.String(length=2000), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_activities')),
    sa.UniqueConstraint('uri', name=op.f('uq_outbound_activities_uri'))
    )
    with op.batch_alter_table('outbound_activities', schema=None) as batch_op:
        batch_op.create_index('ix_outbound_activities_actor', ['actor', 'public', 'id'], unique=False)

    op.create_table('remote_actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('domain', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('preferred_username', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('icon_url', sa.String(length=2000), nullable=True),
    sa.Column('inbox', sa.String(length=2000), nullable=False),
    sa.Column('shared_inbox', sa.String(length=2000), nullable=True),
    sa.Column('outbox', sa.String(length=2000), nullable=True),
    sa.Column('followers', sa.String(length=2000), nullable=True),
    sa.Column('following', sa.String(length=2000), nullable=True),
    sa.Column('key_id', sa.String(length=2000), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('manually_approves_followers', sa.Boolean(), nullable=False),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('fetched_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_actors')),
    sa.UniqueConstraint('key_id', name=op.f('uq_remote_actors_key_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_remote_actors_uri'))
    )
    with op.batch_alter_table('remote_actors', schema=None) as batch_op:
        batch_op.create_index('ix_remote_actors_domain', ['domain'], unique=False)

    op.create_table('service_actors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=30), nullable=False),
    sa.Column('private_key_pem', sa.Text(), nullable=False),
    sa.Column('public_key_pem', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_actors')),
    sa.UniqueConstraint('name', name=op.f('uq_service_actors_name'))
    )
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=600), nullable=False),
    sa.Column('kind', sa.Enum('member', 'system', 'peer', name='accountkind', native_enum=False, length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('peer_uri', sa.String(length=500), nullable=True),
    sa.Column('debits_posted', sa.BigInteger(), nullable=False),
    sa.Column('credits_posted', sa.BigInteger(), nullable=False),
    sa.Column('debits_pending', sa.BigInteger(), nullable=False),
    sa.Column('credits_pending', sa.BigInteger(), nullable=False),
    sa.Column('min_balance', sa.BigInteger(), nullable=True),
    sa.Column('max_balance', sa.BigInteger(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0', name=op.f('ck_accounts_totals_not_negative')),
    sa.CheckConstraint('max_balance IS NULL OR max_balance >= 0', name=op.f('ck_accounts_max_balance_not_negative')),
    sa.CheckConstraint('min_balance IS NULL OR min_balance <= 0', name=op.f('ck_accounts_min_balance_not_positive')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_accounts_member_id_members'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('key', name=op.f('uq_accounts_key')),
    sa.UniqueConstraint('member_id', name=op.f('uq_accounts_member_id'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_api_tokens_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_member_id'), ['member_id'], unique=False)

    op.create_table('domain_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('kind', sa.Enum('allow', 'block', name='rulekind', native_enum=False, length=8), nullable=False),
    sa.Column('review', sa.Boolean(), nullable=False),
    sa.Column('every_hours', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('fetched_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('succeeded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_refresh_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('last_changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_domain_subscriptions_created_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_subscriptions')),
    sa.UniqueConstraint('url', 'kind', name=op.f('uq_domain_subscriptions_url_kind'))
    )
    op.create_table('follows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('local_actor', sa.String(length=500), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.Enum('inbound', 'outbound', name='direction', native_enum=False), nullable=False),
    sa.Column('state', sa.Enum('pending', 'accepted', name='followstate', native_enum=False, length=16), nullable=False),
    sa.Column('activity_uri', sa.String(length=2000), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['remote_actors.id'], name=op.f('fk_follows_remote_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follows')),
    sa.UniqueConstraint('local_actor', 'remote_actor_id', 'direction', name=op.f('uq_follows_local_actor_remote_actor_id_direction'))
    )
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.create_index('ix_follows_local', ['local_actor', 'direction', 'state'], unique=False)
        batch_op.create_index('ix_follows_remote', ['remote_actor_id'], unique=False)

    op.create_table('interactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_uri', sa.String(length=2000), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('remote_actor_id', sa.Integer(), nullable=False),
    sa.Column('object_uri', sa.String(length=2000), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['remote_actors.id'], name=op.f('fk_interactions_remote_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions')),
    sa.UniqueConstraint('activity_uri', name=op.f('uq_interactions_activity_uri'))
    )
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.create_index('ix_interactions_object', ['object_uri', 'type'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_invitations_created_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['used_by_id'], ['members.id'], name=op.f('fk_invitations_used_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('code', name=op.f('uq_invitations_code'))
    )
    op.create_table('listings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('remote_actor_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.Enum('offer', 'request', 'gift', name='purpose', native_enum=False, length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=True),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('scale', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('photos', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.Enum('draft', 'pending', 'published', 'reserved', 'closed', 'expired', 'withdrawn', 'rejected', name='listingstate', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('listed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('moderation_reason', sa.Text(), nullable=False),
    sa.Column('hidden_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('price IS NULL OR price >= 0', name=op.f('ck_listings_price_not_negative')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_listings_quantity_not_negative')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_listings_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['remote_actors.id'], name=op.f('fk_listings_remote_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listings')),
    sa.UniqueConstraint('public_id', name=op.f('uq_listings_public_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_listings_uri'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.create_index('ix_listings_author', ['member_id', 'id'], unique=False)
        batch_op.create_index('ix_listings_category_feed', ['category', 'id'], unique=False)
        batch_op.create_index('ix_listings_feed', ['state', 'id'], unique=False)
        batch_op.create_index('ix_listings_origin_feed', ['origin', 'category', 'id'], unique=False)
        batch_op.create_index('ix_listings_remote_author', ['remote_actor_id'], unique=False)

    op.create_table('moderation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['members.id'], name=op.f('fk_moderation_log_moderator_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_log'))
    )
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_log_created_at', ['created_at'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('remote_actor_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('to', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('cc', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('in_reply_to', sa.String(length=2000), nullable=True),
    sa.Column('context', sa.String(length=2000), nullable=True),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('attachments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('published', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deleted_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notes_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['remote_actor_id'], ['remote_actors.id'], name=op.f('fk_notes_remote_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes')),
    sa.UniqueConstraint('uri', name=op.f('uq_notes_uri'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index('ix_notes_author', ['member_id', 'id'], unique=False)
        batch_op.create_index('ix_notes_context', ['context'], unique=False)
        batch_op.create_index('ix_notes_remote_author', ['remote_actor_id', 'id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.Enum('open', 'closed', name='reportstate', native_enum=False, length=8), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('origin', sa.String(length=300), nullable=True),
    sa.Column('flag_actor', sa.String(length=2000), nullable=True),
    sa.Column('flag_uri', sa.String(length=2000), nullable=True),
    sa.Column('account_uri', sa.String(length=2000), nullable=False),
    sa.Column('object_uris', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('forwarded_uri', sa.String(length=2000), nullable=True),
    sa.Column('forwarded_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('actions', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['members.id'], name=op.f('fk_reports_closed_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['members.id'], name=op.f('fk_reports_reporter_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('flag_uri', name=op.f('uq_reports_flag_uri')),
    sa.UniqueConstraint('public_id', name=op.f('uq_reports_public_id'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_state', ['state', 'id'], unique=False)

    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.Enum('payment', 'agreement', 'adjustment', 'demurrage', 'settlement', name='transferkind', native_enum=False, length=16), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('reference', sa.String(length=500), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['corrects_id'], ['transfers.id'], name=op.f('fk_transfers_corrects_id_transfers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_transfers_created_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.UniqueConstraint('public_id', name=op.f('uq_transfers_public_id'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index('ix_transfers_expires_at', ['expires_at'], unique=False, postgresql_where=sa.text('expires_at IS NOT NULL'), sqlite_where=sa.text('expires_at IS NOT NULL'))

    op.create_table('account_limit_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('old_min_balance', sa.BigInteger(), nullable=True),
    sa.Column('new_min_balance', sa.BigInteger(), nullable=True),
    sa.Column('old_max_balance', sa.BigInteger(), nullable=True),
    sa.Column('new_max_balance', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_limit_changes_account_id_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['members.id'], name=op.f('fk_account_limit_changes_changed_by_id_members'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_limit_changes'))
    )
    with op.batch_alter_table('account_limit_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_limit_changes_account_id'), ['account_id'], unique=False)

    op.create_table('domain_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('allow', 'block', name='rulekind', native_enum=False, length=8), nullable=False),
    sa.Column('action', sa.Enum('add', 'remove', name='draftaction', native_enum=False, length=8), nullable=False),
    sa.Column('state', sa.Enum('pending', 'rejected', name='draftstate', native_enum=False), nullable=False),
    sa.Column('severity', sa.Enum('suspend', 'silence', 'noop', name='severity', native_enum=False, length=16), nullable=False),
    sa.Column('reject_media', sa.Boolean(), nullable=False),
    sa.Column('reject_reports', sa.Boolean(), nullable=False),
    sa.Column('public_comment', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['domain_subscriptions.id'], name=op.f('fk_domain_drafts_subscription_id_domain_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_drafts')),
    sa.UniqueConstraint('subscription_id', 'domain', 'action', name=op.f('uq_domain_drafts_subscription_id_domain_action'))
    )
    op.create_table('domain_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.Enum('allow', 'block', name='rulekind', native_enum=False, length=8), nullable=False),
    sa.Column('severity', sa.Enum('suspend', 'silence', 'noop', name='severity', native_enum=False, length=16), nullable=False),
    sa.Column('reject_media', sa.Boolean(), nullable=False),
    sa.Column('reject_reports', sa.Boolean(), nullable=False),
    sa.Column('public_comment', sa.Text(), nullable=False),
    sa.Column('private_comment', sa.Text(), nullable=False),
    sa.Column('obfuscate', sa.Boolean(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['domain_subscriptions.id'], name=op.f('fk_domain_rules_subscription_id_domain_subscriptions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_rules')),
    sa.UniqueConstraint('domain', 'kind', name=op.f('uq_domain_rules_domain_kind'))
    )
    with op.batch_alter_table('domain_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domain_rules_subscription_id'), ['subscription_id'], unique=False)

    op.create_table('negotiations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('context', sa.String(length=2000), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('offers', 'messages', name='negotiationkind', native_enum=False, length=16), nullable=False),
    sa.Column('buyer_member_id', sa.Integer(), nullable=True),
    sa.Column('buyer_actor_id', sa.Integer(), nullable=True),
    sa.Column('seller_member_id', sa.Integer(), nullable=True),
    sa.Column('seller_actor_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('open', 'agreed', 'rejected', 'withdrawn', 'expired', 'closed', name='negotiationstate', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_actor_id'], ['remote_actors.id'], name=op.f('fk_negotiations_buyer_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['buyer_member_id'], ['members.id'], name=op.f('fk_negotiations_buyer_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_negotiations_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_actor_id'], ['remote_actors.id'], name=op.f('fk_negotiations_seller_actor_id_remote_actors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_member_id'], ['members.id'], name=op.f('fk_negotiations_seller_member_id_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_negotiations')),
    sa.UniqueConstraint('context', name=op.f('uq_negotiations_context')),
    sa.UniqueConstraint('public_id', name=op.f('uq_negotiations_public_id'))
    )
    with op.batch_alter_table('negotiations', schema=None) as batch_op:
        batch_op.create_index('ix_negotiations_buyer_actor', ['buyer_actor_id', 'listing_id'], unique=False)
        batch_op.create_index('ix_negotiations_buyer_member', ['buyer_member_id', 'id'], unique=False)
        batch_op.create_index('ix_negotiations_listing', ['listing_id', 'state'], unique=False)
        batch_op.create_index('ix_negotiations_seller_member', ['seller_member_id', 'id'], unique=False)

    op.create_table('transfer_legs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('debit_account_id', sa.Integer(), nullable=False),
    sa.Column('credit_account_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sa.Enum('amount', 'fee', name='legpurpose', native_enum=False, length=16), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_transfer_legs_amount_positive')),
    sa.CheckConstraint('debit_account_id <> credit_account_id', name=op.f('ck_transfer_legs_two_accounts')),
    sa.ForeignKeyConstraint(['credit_account_id'], ['accounts.id'], name=op.f('fk_transfer_legs_credit_account_id_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['debit_account_id'], ['accounts.id'], name=op.f('fk_transfer_legs_debit_account_id_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['transfer_id'], ['transfers.id'], name=op.f('fk_transfer_legs_transfer_id_transfers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_legs'))
    )
    with op.batch_alter_table('transfer_legs', schema=None) as batch_op:
        batch_op.create_index('ix_transfer_legs_credit', ['credit_account_id', 'id'], unique=False)
        batch_op.create_index('ix_transfer_legs_debit', ['debit_account_id', 'id'], unique=False)
        batch_op.create_index('ix_transfer_legs_transfer', ['transfer_id', 'position'], unique=True)

    op.create_table('transfer_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=120), nullable=False),
    sa.Column('pending_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('posted', 'voided', 'expired', name='outcome', native_enum=False, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_transfer_resolutions_created_by_id_members'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['pending_id'], ['transfers.id'], name=op.f('fk_transfer_resolutions_pending_id_transfers'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfer_resolutions')),
    sa.UniqueConstraint('pending_id', name=op.f('uq_transfer_resolutions_pending_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_transfer_resolutions_public_id'))
    )
    op.create_table('negotiation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('negotiation_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.Enum('buyer', 'seller', name='side', native_enum=False, length=8), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['negotiation_id'], ['negotiations.id'], name=op.f('fk_negotiation_messages_negotiation_id_negotiations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_negotiation_messages')),
    sa.UniqueConstraint('uri', name=op.f('uq_negotiation_messages_uri'))
    )
    with op.batch_alter_table('negotiation_messages', schema=None) as batch_op:
        batch_op.create_index('ix_negotiation_messages_thread', ['negotiation_id', 'id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('offer', 'counter_offer', 'accepted', 'rejected', 'withdrawn', 'expired', 'message', 'negotiation_closed', 'agreement_cancelled', 'agreement_paid', 'listing_approved', 'listing_rejected', 'listing_taken_down', 'listing_expired', name='notificationkind', native_enum=False, length=24), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=True),
    sa.Column('negotiation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_notifications_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_notifications_member_id_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['negotiation_id'], ['negotiations.id'], name=op.f('fk_notifications_negotiation_id_negotiations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_member', ['member_id', 'id'], unique=False)

    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('negotiation_id', sa.Integer(), nullable=False),
    sa.Column('proposer', sa.Enum('buyer', 'seller', name='side', native_enum=False, length=8), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=True),
    sa.Column('goods', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('expires_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.Enum('open', 'countered', 'accepted', 'rejected', 'withdrawn', 'expired', name='offerstate', native_enum=False, length=16), nullable=False),
    sa.Column('in_reply_to_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answer_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('price IS NULL OR price >= 0', name=op.f('ck_offers_price_not_negative')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_offers_quantity_positive')),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['offers.id'], name=op.f('fk_offers_in_reply_to_id_offers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['negotiation_id'], ['negotiations.id'], name=op.f('fk_offers_negotiation_id_negotiations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('public_id', name=op.f('uq_offers_public_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_offers_uri'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index('ix_offers_negotiation', ['negotiation_id', 'id'], unique=False)

    op.create_table('agreements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=32), nullable=False),
    sa.Column('uri', sa.String(length=2000), nullable=False),
    sa.Column('accept_uri', sa.String(length=2000), nullable=False),
    sa.Column('negotiation_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('goods', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('agreed', 'paid', 'cancelled', name='agreementstate', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_agreements_listing_id_listings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['negotiation_id'], ['negotiations.id'], name=op.f('fk_agreements_negotiation_id_negotiations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_agreements_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements')),
    sa.UniqueConstraint('accept_uri', name=op.f('uq_agreements_accept_uri')),
    sa.UniqueConstraint('public_id', name=op.f('uq_agreements_public_id')),
    sa.UniqueConstraint('uri', name=op.f('uq_agreements_uri'))
    )
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreements_negotiation_id'), ['negotiation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreements_negotiation_id'))

    op.drop_table('agreements')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index('ix_offers_negotiation')

    op.drop_table('offers')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_member')

    op.drop_table('notifications')
    with op.batch_alter_table('negotiation_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_negotiation_messages_thread')

    op.drop_table('negotiation_messages')
    op.drop_table('transfer_resolutions')
    with op.batch_alter_table('transfer_legs', schema=None) as batch_op:
        batch_op.drop_index('ix_transfer_legs_transfer')
        batch_op.drop_index('ix_transfer_legs_debit')
        batch_op.drop_index('ix_transfer_legs_credit')

    op.drop_table('transfer_legs')
    with op.batch_alter_table('negotiations', schema=None) as batch_op:
        batch_op.drop_index('ix_negotiations_seller_member')
        batch_op.drop_index('ix_negotiations_listing')
        batch_op.drop_index('ix_negotiations_buyer_member')
        batch_op.drop_index('ix_negotiations_buyer_actor')

    op.drop_table('negotiations')
    with op.batch_alter_table('domain_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_domain_rules_subscription_id'))

    op.drop_table('domain_rules')
    op.drop_table('domain_drafts')
    with op.batch_alter_table('account_limit_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_limit_changes_account_id'))

    op.drop_table('account_limit_changes')
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_transfers_expires_at', postgresql_where=sa.text('expires_at IS NOT NULL'), sqlite_where=sa.text('expires_at IS NOT NULL'))

    op.drop_table('transfers')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_state')

    op.drop_table('reports')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index('ix_notes_remote_author')
        batch_op.drop_index('ix_notes_context')
        batch_op.drop_index('ix_notes_author')

    op.drop_table('notes')
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_log_created_at')

    op.drop_table('moderation_log')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_index('ix_listings_remote_author')
        batch_op.drop_index('ix_listings_origin_feed')
        batch_op.drop_index('ix_listings_feed')
        batch_op.drop_index('ix_listings_category_feed')
        batch_op.drop_index('ix_listings_author')

    op.drop_table('listings')
    op.drop_table('invitations')
    with op.batch_alter_table('interactions', schema=None) as batch_op:
        batch_op.drop_index('ix_interactions_object')

    op.drop_table('interactions')
    with op.batch_alter_table('follows', schema=None) as batch_op:
        batch_op.drop_index('ix_follows_remote')
        batch_op.drop_index('ix_follows_local')

    op.drop_table('follows')
    op.drop_table('domain_subscriptions')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_member_id'))

    op.drop_table('api_tokens')
    op.drop_table('accounts')
    op.drop_table('service_actors')
    with op.batch_alter_table('remote_actors', schema=None) as batch_op:
        batch_op.drop_index('ix_remote_actors_domain')

    op.drop_table('remote_actors')
    with op.batch_alter_table('outbound_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_activities_actor')

    op.drop_table('outbound_activities')
    op.drop_table('members')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
    op.drop_table('instance_settings')
    with op.batch_alter_table('inbound_activities', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_activities_due')

    op.drop_table('inbound_activities')
    op.drop_table('hosts')
    with op.batch_alter_table('exchange_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_rules_pair')

    op.drop_table('exchange_rules')
    op.drop_table('categories')
