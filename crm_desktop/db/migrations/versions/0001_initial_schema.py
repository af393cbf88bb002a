"""initial schema: every table of DESIGN §2, and the append-only audit log

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 21:05:47.166328
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import crm_desktop.db.types
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=63), nullable=False),
    sa.Column('action', sa.String(length=50), nullable=False),
    sa.Column('entity', sa.String(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_log_entity_entity_id', ['entity', 'entity_id'], unique=False)

    op.create_table('branch',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch')),
    sa.UniqueConstraint('code', name=op.f('uq_branch_code'))
    )
    op.create_table('company_setting',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_company_setting'))
    )
    op.create_table('grade',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('color', sa.String(length=20), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('reclaim_days', sa.Integer(), nullable=True),
    sa.Column('warn_days', sa.Integer(), nullable=True),
    sa.Column('dormant_days', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grade')),
    sa.UniqueConstraint('code', name=op.f('uq_grade_code'))
    )
    op.create_table('region',
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['region.id'], name=op.f('fk_region_parent_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_parent_id'), ['parent_id'], unique=False)

    op.create_table('app_user',
    sa.Column('login', sa.String(length=63), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('can_export', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('sales', 'manager', 'admin')", name=op.f('ck_app_user_role')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_app_user_branch_id_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('login', name=op.f('uq_app_user_login'))
    )
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_user_branch_id'), ['branch_id'], unique=False)

    op.create_table('import_batch',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('file', sa.String(length=1000), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_import_batch_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    op.create_table('mail_account',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email_address', sa.String(length=320), nullable=False),
    sa.Column('imap_host', sa.String(length=255), nullable=True),
    sa.Column('imap_port', sa.Integer(), nullable=True),
    sa.Column('imap_security', sa.String(length=10), nullable=False),
    sa.Column('smtp_host', sa.String(length=255), nullable=True),
    sa.Column('smtp_port', sa.Integer(), nullable=True),
    sa.Column('smtp_security', sa.String(length=10), nullable=False),
    sa.Column('username', sa.String(length=320), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("imap_security IN ('ssl', 'starttls', 'none')", name=op.f('ck_mail_account_imap_security')),
    sa.CheckConstraint("smtp_security IN ('ssl', 'starttls', 'none')", name=op.f('ck_mail_account_smtp_security')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_mail_account_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_account'))
    )
    with op.batch_alter_table('mail_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_account_user_id'), ['user_id'], unique=False)

    op.create_table('customer',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('grade_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=30), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('tags', sa.String(length=500), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('custom', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('last_followup_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_followup_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pool_since', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('name_norm', sa.String(length=300), nullable=False),
    sa.Column('name_pinyin', sa.String(length=1000), nullable=False),
    sa.Column('name_initials', sa.String(length=300), nullable=False),
    sa.Column('phone_digits', sa.String(length=200), nullable=False),
    sa.Column('email_norm', sa.String(length=320), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('company', 'individual')", name=op.f('ck_customer_kind')),
    sa.CheckConstraint("source IS NULL OR source IN ('visit', 'exhibition', 'email_campaign', 'website', 'phone', 'referral', 'other')", name=op.f('ck_customer_source')),
    sa.CheckConstraint("status IN ('prospect', 'active', 'dormant', 'lost')", name=op.f('ck_customer_status')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_customer_branch_id_branch')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_customer_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['grade_id'], ['grade.id'], name=op.f('fk_customer_grade_id_grade')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_customer_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_customer_owner_id_app_user')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_customer_region_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer')),
    sa.UniqueConstraint('uuid', name=op.f('uq_customer_uuid'))
    )
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('ix_customer_email_norm', ['email_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_grade_id'), ['grade_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_index('ix_customer_name_initials', ['name_initials'], unique=False)
        batch_op.create_index('ix_customer_name_norm', ['name_norm'], unique=False)
        batch_op.create_index('ix_customer_owner_id_next_followup_at', ['owner_id', 'next_followup_at'], unique=False)
        batch_op.create_index('ix_customer_phone_digits', ['phone_digits'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_region_id'), ['region_id'], unique=False)

    op.create_table('mail_folder_state',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('synced_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['mail_account.id'], name=op.f('fk_mail_folder_state_account_id_mail_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_folder_state')),
    sa.UniqueConstraint('account_id', 'folder', name=op.f('uq_mail_folder_state_account_id_folder'))
    )
    op.create_table('contact',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=50), nullable=True),
    sa.Column('mobile', sa.String(length=50), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('email_norm', sa.String(length=320), nullable=False),
    sa.Column('wechat', sa.String(length=100), nullable=True),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_contact_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_contact_import_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact')),
    sa.UniqueConstraint('uuid', name=op.f('uq_contact_uuid'))
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_contact_email_norm', ['email_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_import_batch_id'), ['import_batch_id'], unique=False)

    op.create_table('ownership_change',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=True),
    sa.Column('to_user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.CheckConstraint("reason IN ('create', 'assign', 'claim', 'reclaim', 'handover', 'release', 'import')", name=op.f('ck_ownership_change_reason')),
    sa.ForeignKeyConstraint(['by_id'], ['app_user.id'], name=op.f('fk_ownership_change_by_id_app_user')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_ownership_change_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_user_id'], ['app_user.id'], name=op.f('fk_ownership_change_from_user_id_app_user')),
    sa.ForeignKeyConstraint(['to_user_id'], ['app_user.id'], name=op.f('fk_ownership_change_to_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ownership_change'))
    )
    with op.batch_alter_table('ownership_change', schema=None) as batch_op:
        batch_op.create_index('ix_ownership_change_customer_id_at', ['customer_id', 'at'], unique=False)

    op.create_table('email_message',
    sa.Column('message_id', sa.String(length=500), nullable=False),
    sa.Column('thread_key', sa.String(length=500), nullable=True),
    sa.Column('in_reply_to', sa.String(length=500), nullable=True),
    sa.Column('direction', sa.String(length=5), nullable=False),
    sa.Column('from_addr', sa.String(length=500), nullable=True),
    sa.Column('to_addrs', sa.Text(), nullable=True),
    sa.Column('cc_addrs', sa.Text(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('sent_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('body_text', sa.Text(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('folder', sa.String(length=500), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('link_method', sa.String(length=10), nullable=False),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("direction IN ('in', 'out')", name=op.f('ck_email_message_direction')),
    sa.CheckConstraint("link_method IN ('address', 'domain', 'thread', 'manual', 'none')", name=op.f('ck_email_message_link_method')),
    sa.ForeignKeyConstraint(['account_id'], ['mail_account.id'], name=op.f('fk_email_message_account_id_mail_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_email_message_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_email_message_customer_id_customer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_email_message_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['owner_id'], ['app_user.id'], name=op.f('fk_email_message_owner_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_message')),
    sa.UniqueConstraint('message_id', name=op.f('uq_email_message_message_id'))
    )
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.create_index('ix_email_message_customer_id_sent_at', ['customer_id', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_import_batch_id'), ['import_batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_thread_key'), ['thread_key'], unique=False)

    op.create_table('attachment',
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('mime', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.CheckConstraint('email_id IS NOT NULL OR customer_id IS NOT NULL', name=op.f('ck_attachment_has_owner')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_attachment_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_attachment_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['email_id'], ['email_message.id'], name=op.f('fk_attachment_email_id_email_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment'))
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_email_id'), ['email_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_sha256'), ['sha256'], unique=False)

    op.create_table('followup',
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('happened_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('due_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('lost_reason', sa.String(length=300), nullable=True),
    sa.Column('email_id', sa.Integer(), nullable=True),
    sa.Column('reminded_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', crm_desktop.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('call', 'visit', 'meeting', 'email', 'wechat', 'other')", name=op.f('ck_followup_kind')),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('positive', 'neutral', 'negative', 'won', 'lost')", name=op.f('ck_followup_outcome')),
    sa.CheckConstraint("status IN ('done', 'planned', 'cancelled')", name=op.f('ck_followup_status')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_followup_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_followup_customer_id_customer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['email_id'], ['email_message.id'], name=op.f('fk_followup_email_id_email_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_followup_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup')),
    sa.UniqueConstraint('uuid', name=op.f('uq_followup_uuid'))
    )
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.create_index('ix_followup_customer_id_happened_at', ['customer_id', 'happened_at'], unique=False)
        batch_op.create_index('ix_followup_user_id_status_due_at', ['user_id', 'status', 'due_at'], unique=False)
    _audit_log_append_only()


AUDIT_MESSAGE = "audit_log is append-only"


def _audit_log_append_only() -> None:
    """Nobody may UPDATE, DELETE (or TRUNCATE) audit rows, whatever the client does."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{AUDIT_MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION crm_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{AUDIT_MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION crm_audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION crm_audit_log_append_only()"
    )


def downgrade() -> None:
    with op.batch_alter_table('followup', schema=None) as batch_op:
        batch_op.drop_index('ix_followup_user_id_status_due_at')
        batch_op.drop_index('ix_followup_customer_id_happened_at')

    op.drop_table('followup')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachment_email_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_customer_id'))

    op.drop_table('attachment')
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_message_thread_key'))
        batch_op.drop_index(batch_op.f('ix_email_message_owner_id'))
        batch_op.drop_index(batch_op.f('ix_email_message_import_batch_id'))
        batch_op.drop_index('ix_email_message_customer_id_sent_at')

    op.drop_table('email_message')
    with op.batch_alter_table('ownership_change', schema=None) as batch_op:
        batch_op.drop_index('ix_ownership_change_customer_id_at')

    op.drop_table('ownership_change')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_import_batch_id'))
        batch_op.drop_index('ix_contact_email_norm')
        batch_op.drop_index(batch_op.f('ix_contact_customer_id'))

    op.drop_table('contact')
    op.drop_table('mail_folder_state')
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_region_id'))
        batch_op.drop_index('ix_customer_phone_digits')
        batch_op.drop_index('ix_customer_owner_id_next_followup_at')
        batch_op.drop_index('ix_customer_name_norm')
        batch_op.drop_index('ix_customer_name_initials')
        batch_op.drop_index(batch_op.f('ix_customer_import_batch_id'))
        batch_op.drop_index(batch_op.f('ix_customer_grade_id'))
        batch_op.drop_index('ix_customer_email_norm')
        batch_op.drop_index(batch_op.f('ix_customer_branch_id'))

    op.drop_table('customer')
    with op.batch_alter_table('mail_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_account_user_id'))

    op.drop_table('mail_account')
    op.drop_table('import_batch')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_user_branch_id'))

    op.drop_table('app_user')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_id'))

    op.drop_table('region')
    op.drop_table('grade')
    op.drop_table('company_setting')
    op.drop_table('branch')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_entity_entity_id')
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS crm_audit_log_append_only()")
